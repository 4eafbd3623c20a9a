from .both_cores import register

__all__ = ["register"]
