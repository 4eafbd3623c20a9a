from .robots_txt import register

__all__ = ["register"]
