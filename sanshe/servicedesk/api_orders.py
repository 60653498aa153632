"""API of the service cloud: orders."""


def register(router) -> None:
    pass
