"""API of the service cloud: applications."""


def register(router) -> None:
    pass
