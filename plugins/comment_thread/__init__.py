from .comment_thread import register

__all__ = ["register"]
