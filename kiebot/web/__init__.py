"""The admin HTTP server: health, metrics, the JSON API, and the provider's callbacks."""
