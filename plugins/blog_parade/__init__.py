from .blog_parade import register

__all__ = ["register"]
