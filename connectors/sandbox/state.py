"""In-memory state shared by the stand-ins: what each one recorded, and the faults it was told to inject.

Everything here is O(1) per request and guarded by a lock: the sandbox serves hundreds of requests a second from
many threads, and tests read it back while a worker is still sending.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

FAULT_MODES = ("error", "throttle", "timeout", "slow", "reject")
#: How many recorded items and rejections each stand-in keeps (counts stay exact beyond it).
ITEM_LIMIT = 200_000
REJECTION_LIMIT = 1_000


class Recorder:
    """What one stand-in received. ``record`` takes the idempotency key of the effect: the first item with a key has
    an effect, later ones are recorded as duplicates (``received`` counts both, ``effects`` only the first)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.requests = 0  # accepted requests (a batch is one)
            self.rejected = 0  # requests answered 4xx by the protocol checks
            self.faulted = 0  # requests answered by an injected fault
            self.received = 0  # recorded items (a batch of 10 messages is 10)
            self.keys: dict[str, int] = {}
            self.items: deque[dict[str, Any]] = deque(maxlen=ITEM_LIMIT)
            self.rejections: deque[dict[str, Any]] = deque(maxlen=REJECTION_LIMIT)

    def accept(self) -> None:
        with self.lock:
            self.requests += 1

    def record(self, key: str, item: dict[str, Any]) -> bool:
        """Record one item; True when it is the first with this key (it has an effect)."""
        with self.lock:
            seen = self.keys.get(key, 0)
            self.keys[key] = seen + 1
            self.received += 1
            item["key"] = key
            item["duplicate"] = seen > 0
            self.items.append(item)
            return seen == 0

    def reject(self, status: int, path: str, error: Any) -> None:
        with self.lock:
            self.rejected += 1
            self.rejections.append({"status": status, "path": path, "error": error})

    def snapshot(self, *, limit: int = 1000, keys: bool = True) -> dict[str, Any]:
        with self.lock:
            items = list(self.items)[-limit:] if limit > 0 else []
            effects = len(self.keys)
            return {
                "requests": self.requests,
                "rejected": self.rejected,
                "faulted": self.faulted,
                "received": self.received,
                "effects": effects,
                "duplicates": self.received - effects,
                "keys": dict(self.keys) if keys else None,
                "items": items,
                "rejections": list(self.rejections),
            }


@dataclass
class Fault:
    """Fail the next ``count`` requests to ``target`` (whose path contains ``path``, when given); -1 = until cleared."""

    target: str
    mode: str
    status: int = 500
    count: int = 1
    retry_after: float = 1.0
    delay: float = 30.0
    path: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any], targets: tuple[str, ...]) -> Fault:
        errors = []
        target = data.get("target")
        mode = data.get("mode")
        if target not in targets:
            errors.append(f"target must be one of {', '.join(targets)}")
        if mode not in FAULT_MODES:
            errors.append(f"mode must be one of {', '.join(FAULT_MODES)}")
        default_status = {"throttle": 429, "reject": 400, "timeout": 504}.get(str(mode), 500)
        default_delay = 1.0 if mode == "slow" else 30.0
        try:
            fault = cls(
                target=str(target),
                mode=str(mode),
                status=int(data.get("status") or default_status),
                count=int(data.get("count", 1)),
                retry_after=float(data.get("retry_after", 1.0)),
                delay=float(data.get("delay", default_delay)),
                path=str(data.get("path") or ""),
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"bad fault: {exc}") from None
        if not 100 <= fault.status <= 599:
            errors.append("status must be an HTTP status code")
        if fault.count == 0 or fault.count < -1:
            errors.append("count must be positive, or -1 for until cleared")
        if errors:
            raise ValueError("; ".join(errors))
        return fault

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def retry_after_header(self) -> str:
        return str(max(0, math.ceil(self.retry_after)))


class FaultBook:
    """Faults waiting to fire, per target, in the order they were set."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()

    def take(self, target: str, path: str) -> Fault | None:
        """The fault that applies to this request, if any, counting it down."""
        if not self.faults:  # the common case, without the lock
            return None
        with self.lock:
            for index, fault in enumerate(self.faults):
                if fault.target == target and fault.path in path:
                    if fault.count > 0:
                        fault.count -= 1
                        if fault.count == 0:
                            del self.faults[index]
                    return fault
        return None

    def list(self) -> list[dict[str, Any]]:
        with self.lock:
            return [fault.to_json() for fault in self.faults]
