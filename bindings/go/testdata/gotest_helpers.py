"""Python side of the Go binding's tests."""


def echo(*args, **kwargs):
    return (args, kwargs)


def kinds(*args):
    return [type(a).__name__ for a in args]


def boom(msg):
    raise RuntimeError(msg)


class Box:
    def __init__(self, v=None):
        self.v = v

    def get(self):
        return self.v

    def add(self, n, times=1):
        self.v += n * times
        return self.v
