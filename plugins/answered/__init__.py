from .answered import register

__all__ = ["register"]
