from .comment_owners import register

__all__ = ["register"]
