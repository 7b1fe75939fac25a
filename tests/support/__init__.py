"""Helpers shared by test folders: real, ephemeral services."""

from tests.support.redis_server import RedisServerError, redis_server

__all__ = ["RedisServerError", "redis_server"]
