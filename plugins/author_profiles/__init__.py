from .author_profiles import register

__all__ = ["register"]
