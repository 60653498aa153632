"""API of the service cloud: admission."""


def register(router) -> None:
    pass
