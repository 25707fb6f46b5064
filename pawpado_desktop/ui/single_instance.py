"""One tray per user and config folder: a second launch brings the first forward.

A QLockFile decides who runs (it notices a dead owner, so a crash leaves no
stale lock); the runner listens on a QLocalServer; a later launch connects,
says one line (`show`, `play` or `stop`) and exits; the CLI says the same lines
without Qt (pawpado_desktop.instance_channel).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 1000


class SingleInstance(QObject):
    activated = Signal(str)

    def __init__(self, name: str, lock_dir: Path) -> None:
        super().__init__()
        self.name = name
        self._lock = QLockFile(str(lock_dir / f"{name}.lock"))
        self._lock.setStaleLockTime(0)  # only a dead owner makes it stale
        self._server: QLocalServer | None = None

    def acquire(self) -> bool:
        """True if this process is the one instance; False if another runs."""
        if not self._lock.tryLock(0):
            return False
        QLocalServer.removeServer(self.name)  # a socket a crashed run left behind
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            log.warning("single-instance server failed: %s", server.errorString())
            return True
        server.newConnection.connect(self._accept)
        self._server = server
        return True

    def forward(self, message: str = "show") -> bool:
        """Tell the running instance `message`; False if nobody answered."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
            return False
        socket.write(message.encode() + b"\n")
        socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
        socket.disconnectFromServer()
        return True

    def _accept(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        while socket.canReadLine():
            message = bytes(socket.readLine().data()).decode(errors="replace").strip()
            if message:
                self.activated.emit(message)

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._lock.isLocked():
            self._lock.unlock()
