"""A server process's knowledge that it has been asked to stop, for the requests that
would otherwise never end.

On SIGTERM the server stops accepting connections and waits for the requests in flight
before it runs the app's shutdown. An event stream never ends by itself, so each open one
held the process for the whole grace period, after which the server killed it before the
app's shutdown could run. Streams now end as soon as the signal arrives (clients
reconnect, to another server behind the proxy).

The server keeps its own handling of the signal. Its event loop hears of a signal through
the wakeup file descriptor, which the interpreter writes to whichever Python handler is
installed; the handler installed here only adds to it, and calls the one it replaced.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Draining:
    def __init__(self) -> None:
        self._started = asyncio.Event()
        # Per signal: (the handler replaced, the one installed in its place).
        self._installed: dict[int, tuple[Any, Any]] = {}

    async def wait(self) -> None:
        await self._started.wait()

    def install(self) -> None:
        """Listen for the stop signals, from the running loop of the main thread.

        Elsewhere (a test client's thread) there is no signal to hear. A signal left to
        its default action is left alone: the process ends at once anyway.
        """
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for stop in STOP_SIGNALS:
            replaced = signal.getsignal(stop)
            if callable(replaced):
                installed = self._handler(loop, replaced)
                self._installed[stop] = (replaced, installed)
                signal.signal(stop, installed)

    def uninstall(self) -> None:
        """Put back the handlers replaced, unless another has been installed since (two
        apps in one process, stopped in another order than they started)."""
        for stop, (replaced, installed) in self._installed.items():
            if signal.getsignal(stop) is installed:
                signal.signal(stop, replaced)
        self._installed.clear()

    def _handler(self, loop: asyncio.AbstractEventLoop,
                 replaced: Callable[[int, FrameType | None], Any],
                 ) -> Callable[[int, FrameType | None], Any]:
        def on_stop(number: int, frame: FrameType | None) -> Any:
            if not loop.is_closed():
                loop.call_soon_threadsafe(self._started.set)
            return replaced(number, frame)

        return on_stop
