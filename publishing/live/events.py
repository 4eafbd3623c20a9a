"""What the open tabs are told: numbered events kept for tabs that connect late.

A tab gets the number of the last event with its page (``generation``) and
asks for everything after it, so a reload announced between serving the page
and opening the event stream is not missed.
"""

import json
import threading
from collections import deque

KEPT_EVENTS = 200


class Broadcaster:
    """Numbered preview events and the problem shown now, shared by threads."""

    def __init__(self):
        self.changed = threading.Condition()
        self.events = deque(maxlen=KEPT_EVENTS)  # (number, name, JSON text)
        self.generation = 0
        self.problem = None  # the Problem shown in the tabs, or None
        self.closed = False

    def publish(self, name, data):
        """Send event ``name`` with JSON-able ``data`` to every tab."""
        with self.changed:
            self.generation += 1
            self.events.append((self.generation, name, json.dumps(data)))
            self.changed.notify_all()

    def show_problem(self, problem):
        """Show ``problem`` (a Problem) over the page, or clear it with None."""
        with self.changed:
            if problem == self.problem:
                return
            self.problem = problem
        if problem is None:
            self.publish("ok", {})
        else:
            self.publish("problem", problem.as_dict())

    def wait_after(self, number, timeout):
        """Return the events numbered after ``number``, waiting up to ``timeout``
        seconds for one; an empty list on timeout or once closed."""
        with self.changed:
            self.changed.wait_for(
                lambda: self.closed or self.generation > number, timeout
            )
            if self.closed:
                return []
            return [event for event in self.events if event[0] > number]

    def close(self):
        """End every open event stream."""
        with self.changed:
            self.closed = True
            self.changed.notify_all()
