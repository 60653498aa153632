"""API of the service cloud: hotline."""


def register(router) -> None:
    pass
