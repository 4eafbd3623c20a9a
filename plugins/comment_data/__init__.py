from .comment_data import register

__all__ = ["register"]
