from .comment_refresh import register

__all__ = ["register"]
