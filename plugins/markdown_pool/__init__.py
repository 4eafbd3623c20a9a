from .markdown_pool import register

__all__ = ["register"]
