"""The seed example's Python side: a global counter shared by every host thread."""
import threading

x = 0
_lock = threading.Lock()


def inc():
    """Adds one to the counter; safe from many threads at once."""
    global x
    with _lock:
        x += 1
    return x


def get():
    return x


def print_x():
    print(x, flush=True)
