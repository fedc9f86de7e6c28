"""The admin HTTP server: the admin console (pages and JSON), health, metrics, and the
provider's and Telegram's callbacks."""
