"""Operations: health checks, maintenance, metrics."""
