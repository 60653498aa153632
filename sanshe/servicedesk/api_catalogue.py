"""API of the service cloud: catalogue."""


def register(router) -> None:
    pass
