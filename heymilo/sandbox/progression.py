"""Ingested interviews move on with the simulated clock: a thread fires their events on time."""

from __future__ import annotations

import threading
import time
import traceback

from .state import EVENT_TYPES, Ingested, World
from .webhooks import WebhookDispatcher

TICK = 0.02  # how often the progression thread looks for stage changes (real seconds)


class Progression:
    def __init__(self, world: World, dispatcher: WebhookDispatcher) -> None:
        self.world = world
        self.dispatcher = dispatcher
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sandbox-clock", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)

    def _loop(self) -> None:
        while not self._stopping.wait(TICK):
            try:
                self.tick()
            except Exception:  # keep the clock thread alive whatever happens
                traceback.print_exc()

    def tick(self) -> None:
        """Fire the events of ingested interviews whose simulated time has come."""
        world = self.world
        now = world.clock.now()
        with world.lock:
            for iid in list(world.progressing):
                rec = world.ingested[iid]
                if len(rec.emitted) == len(EVENT_TYPES) or iid in world.deleted:
                    world.progressing.discard(iid)
                    continue
                for event, offset in rec.offsets.items():
                    if event not in rec.emitted and now - rec.created_sim >= offset:
                        rec.emitted.append(event)
                        self._emit(rec, event)

    def _emit(self, rec: Ingested, event: str) -> None:
        """Log the event and queue a delivery to each active webhook that wants it."""
        payload = {
            "event_type": event,
            "posting_id": rec.posting_id,
            "interview_id": rec.interview_id,
            "timestamp": time.time(),
        }
        self.world.events.append(payload)
        for hook in self.world.webhooks[rec.key].values():
            if hook["is_active"] and hook["posting_id"] == rec.posting_id and hook["event_type"] == event:
                self.dispatcher.enqueue(hook, payload)
