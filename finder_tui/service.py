"""The one long-lived thread that owns the store and runs the sync engine.

The UI never touches the disk: it sends typed commands (``service_commands``) through the thin
senders here (``sync_now``, ``mark_read``, ...) and receives typed events (``service_events``)
through ``emit``. It reads store state through the accessors here (``index``, ``key_buff``):
the in-memory ``Index`` is safe to read from any thread.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

from . import service_commands as cmd
from . import service_events as ev
from .client import AuthError, ClientConfig, CredentialError, FinderClient, SyncError
from .outbox import Entry, Outbox, OutboxError
from .outbox_service import DEFAULT_SEND_TIMEOUT, OutboxDesk
from .people import NameResolver, names_client_config
from .store import Store
from .store.errors import StoreError, StoreInUseError
from .store.glance import Glance, read_glance
from .store.index import Index
from .sync import Backoff, SyncEngine, SyncReport, describe_error, settle_heap
from .wire.sanitize import scrub_line


class SyncService:
    COMMIT_WAKE = 2.0

    AUTH_HINT = "check the token (FINDER_TUI_TOKEN) and the wId, then press r to retry"
    IN_USE_HINT = "close the other finder-tui, or start with another --store; r retries"

    def __init__(
        self,
        store_dir: Path,
        client_config: ClientConfig | None,
        emit: Callable[[ev.Event], None],
        *,
        poll_interval: float = 5.0,
        max_backoff: float = 60.0,
        seal_at: int | None = None,
        wait_for_ui: bool = False,
        send_timeout: float = DEFAULT_SEND_TIMEOUT,
        offline_reason: str = "",
    ) -> None:
        self.store_dir = Path(store_dir)
        self.client_config = client_config
        self.emit = emit
        self.poll_interval = poll_interval
        self.backoff = Backoff(cap=max_backoff)
        self.seal_at = seal_at
        self.store: Store | None = None
        self.report = SyncReport()
        self._commands: queue.Queue[cmd.Command] = queue.Queue()
        self.send_timeout = send_timeout
        self.outbox: Outbox | None = None  # loaded with the store; the UI reads copies from it
        self._desk: OutboxDesk | None = None
        self.offline_reason = offline_reason or (
            ""
            if client_config
            else "offline (--offline, or no server configured): nothing can be sent"
        )
        self._thread = threading.Thread(target=self._run, name="finder-store", daemon=True)
        self._stopped = threading.Event()
        self._stop_requested = threading.Event()
        self.state = ev.STARTING
        # Set by a UI once it painted the session list: loading older history competes for the
        # GIL, so it waits (briefly) for the first paint.
        self.ui_ready = threading.Event()
        self.wait_for_ui = wait_for_ui
        # Set once a UI can paint its first frame with the sessions rather than an empty list
        # (it may wait for it, briefly): when the glance was read (a UI's service opens the head
        # after that frame, ``first_frame``), else when the store is open or failed to open.
        self.opened = threading.Event()
        self.glance: Glance | None = None
        self.first_frame = threading.Event()
        self.attention = ""  # the kind of the Attention last raised ("" when none)

    # ---- called from the UI thread ---------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop the store thread and wait for it to close the store. By default the wait
        covers a send in flight (its own timeout; the entry is already safe as pending, so
        unknown after a kill) so that the store is always closed cleanly."""
        self._stop_requested.set()  # also ends a catch-up between two pages
        self.first_frame.set()  # no frame to wait for any more
        self.ui_ready.set()
        self.send(cmd.Stop())
        self._thread.join(max(10.0, self.send_timeout + 2.0) if timeout is None else timeout)

    @property
    def send_in_flight(self) -> bool:
        """A /privateSend request has left and its answer has not come yet."""
        return self.outbox is not None and any(e.in_flight for e in self.outbox.open_entries())

    def send(self, command: cmd.Command) -> None:
        """Queue a command for the store thread; it never blocks."""
        self._commands.put(command)

    def sync_now(self) -> None:
        self.send(cmd.SyncNow())

    def mark_read(self, session_id: str) -> None:
        self.send(cmd.MarkRead(session_id))

    def mark_unread(self, session_id: str) -> None:
        self.send(cmd.MarkUnread(session_id))

    def set_alias(self, session_id: str, alias: str) -> None:
        self.send(cmd.SetAlias(session_id, alias))

    def mark_live_seen(self) -> None:
        self.send(cmd.MarkLiveSeen())

    # Replying: the outbox commands, and what the UI reads of the outbox (copies).

    def send_text(self, session_id: str, text: str) -> None:
        self.send(cmd.SendText(session_id, text))

    def retry_send(self, entry: Entry) -> None:
        """Retry ``entry`` as the caller saw it (a no-op once it has moved on)."""
        self.send(cmd.RetrySend(entry.id, entry.state, entry.attempts))

    def discard_send(self, entry_id: str) -> None:
        self.send(cmd.DiscardSend(entry_id))

    def save_draft(self, session_id: str, text: str) -> None:
        self.send(cmd.SaveDraft(session_id, text))

    def outbox_entries(self, session_id: str) -> list[Entry]:
        return self.outbox.open_entries(session_id) if self.outbox is not None else []

    def delivered_ids(self, session_id: str) -> set[int]:
        return self.outbox.delivered_ids(session_id) if self.outbox is not None else set()

    def draft(self, session_id: str) -> str:
        return self.outbox.draft(session_id) if self.outbox is not None else ""

    def restart(self) -> bool:
        """Start again after the thread ended on a store error (e.g. the store was in use)."""
        if self._thread.is_alive():
            return False
        self._stopped.clear()
        self._stop_requested.clear()
        self.opened.clear()
        self.store = None
        self._thread = threading.Thread(target=self._run, name="finder-store", daemon=True)
        self._thread.start()
        return True

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _raise_attention(self, kind: str, text: str = "", hint: str = "") -> None:
        if kind or self.attention:
            self.attention = kind
            self.emit(ev.Attention(kind, scrub_line(text)[:500], hint))

    # ---- read from any thread (the UI reads store state here, never through ``store``) -----

    @property
    def index(self) -> Index | None:
        """The in-memory index once the store opened (safe to read from any thread)."""
        store = self.store
        return store.index if store is not None else None

    @property
    def key_buff(self) -> str:
        """The sync cursor as the store holds it ("" before the store opened)."""
        store = self.store
        return store.key_buff if store is not None else ""

    # ---- the thread ------------------------------------------------------------------------

    def _set_state(self, state: str, detail: str = "", retry_at: float | None = None) -> None:
        self.state = state
        self.emit(ev.StateChanged(state, detail, retry_at, time.time()))

    def _run(self) -> None:
        try:
            self._open_and_load()
            if self.attention == ev.STORE_IN_USE:
                self._raise_attention("")
            self._loop()
        except StoreInUseError as exc:
            # The banner's hint says what to do: its text says only what is wrong.
            self._raise_attention(ev.STORE_IN_USE, exc.what, self.IN_USE_HINT)
            self._fail(str(exc))
        except StoreError as exc:
            self._fail(str(exc))
        except Exception as exc:  # noqa: BLE001 - never die silently under the UI
            self._fail(f"internal error in the sync thread: {type(exc).__name__}: {exc}")
        finally:
            self.opened.set()
            if self.store is not None:
                try:
                    self.store.close()
                except StoreError as exc:
                    self.emit(ev.StoreFailed(str(exc)))
            self._stopped.set()

    def _fail(self, text: str) -> None:
        self.emit(ev.StoreFailed(text))
        self._set_state(ev.STOPPED, text)

    def _open_and_load(self) -> None:
        self._set_state(ev.LOADING)
        started = time.perf_counter()
        if self.wait_for_ui:
            # The first frame paints from the glance; the head's parse would take turns with it
            # on the GIL, so it starts once that frame is out (see store/glance.py).
            self.glance = read_glance(self.store_dir)
            if self.glance is not None:
                self.opened.set()
                self.first_frame.wait(timeout=1.0)
        self.store = Store.open(self.store_dir, seal_at=self.seal_at, lazy_history=True)
        self._open_outbox(self.store)
        self.emit(ev.StoreOpened(self.store.index, self.store.index.complete))
        self.opened.set()
        if self.wait_for_ui:
            self.ui_ready.wait(timeout=1.0)
        if not self.store.index.complete:
            self.store.load_segments(after_each=settle_heap)
        self.store.load_live_archive()
        if self.client_config is not None:
            self.store.load_keys()  # dedupe for the sync about to start
        settle_heap()
        self._watch_segments(self.store)
        if self._desk is not None:
            self._desk.reconcile_stored()
        index = self.store.index
        self.emit(
            ev.StoreLoaded(
                index.message_count, index.session_count(), time.perf_counter() - started
            )
        )

    def _watch_segments(self, store: Store) -> None:
        """Report unreadable segments now, and any found unreadable later (on first read)."""

        def report(_latest: object = None) -> None:
            # Every bad segment so far: the banner shows the latest event, not a running sum.
            bad = tuple((b.name, b.messages) for b in store.bad_segments)
            self.emit(ev.SegmentsUnavailable(bad))

        if store.bad_segments:
            report()
        if store.index.sealed is not None:
            store.index.sealed.on_bad = report

    def _open_outbox(self, store: Store) -> None:
        try:
            self.outbox = Outbox.load(self.store_dir)
        except OutboxError as exc:
            # The compose box shows this (it reads offline_reason on every notice).
            self.offline_reason = f"the outbox could not be opened: {exc}"
            self.emit(ev.OutboxNotice(str(exc)))
            return
        if self.outbox.warning:
            self.emit(ev.OutboxNotice(self.outbox.warning))
        self._desk = OutboxDesk(
            store,
            self.outbox,
            self.client_config,
            self.emit,
            send_timeout=self.send_timeout,
            offline_reason=self.offline_reason,
        )

    def _emit_synced(self, event: ev.Event) -> None:
        # Synced messages that deliver an outbox entry merge with it before the UI sees them.
        if isinstance(event, ev.NewMessages) and self._desk is not None:
            self._desk.on_synced(event)
        self.emit(event)

    def _loop(self) -> None:
        assert self.store is not None
        client = FinderClient(self.client_config) if self.client_config else None
        engine = SyncEngine(client, self.store, self._emit_synced) if client else None
        if engine is not None:
            engine.should_stop = self._stop_requested.is_set
            engine.between_pages = self._apply_pending_commands
        if engine is None:
            self._set_state(ev.OFFLINE)
        names = self._name_resolver()
        next_sync = time.monotonic() if engine is not None else float("inf")
        try:
            while True:
                # Wake at least every COMMIT_WAKE seconds: changes made by commands (read
                # markers, aliases) reach disk within that even while nothing syncs.
                timeout = min(self.COMMIT_WAKE, max(0.0, next_sync - time.monotonic()))
                if names is not None:
                    timeout = min(timeout, names.due_in())
                try:
                    command = self._commands.get(timeout=timeout)
                except queue.Empty:
                    command = None
                match command:
                    case None:
                        pass
                    case cmd.Stop():
                        return
                    case cmd.SyncNow():
                        if engine is not None:
                            next_sync = time.monotonic()
                        continue
                    case _ if isinstance(command, cmd.OUTBOX_COMMANDS):
                        self._apply_outbox(command)
                        continue
                    case _:
                        self._apply(command)
                        continue
                self._commit()
                if engine is not None and time.monotonic() >= next_sync:
                    next_sync = time.monotonic() + self._cycle(engine)
                elif names is not None and names.due_in() == 0.0 and names.step():
                    self.emit(ev.IndexChanged("names"))
        finally:
            if client is not None:
                client.close()
            if self._desk is not None:
                self._desk.close()
            if names is not None:
                names.client.close()

    def _name_resolver(self) -> NameResolver | None:
        """Names are asked between sync cycles, one short request at a time: a slow contact
        answer delays the next sync by at most its own short timeout."""
        if self.client_config is None or self.store is None:
            return None
        return NameResolver(FinderClient(names_client_config(self.client_config)), self.store)

    def _apply_pending_commands(self) -> None:
        """During a long catch-up, apply the user's commands between two pages."""
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            match command:
                case cmd.Stop():
                    self._commands.put(command)  # the loop exits on it once the cycle returns
                    return
                case cmd.SyncNow():
                    pass  # already syncing
                case _ if isinstance(command, cmd.OUTBOX_COMMANDS):
                    self._apply_outbox(command)
                case _:
                    self._apply(command)

    def _apply_outbox(self, command: cmd.OutboxCommand) -> None:
        """Apply a send command, then send what is queued (one request at a time, each with
        the send timeout; the stop flag is checked between two)."""
        if self._desk is None:
            if isinstance(command, cmd.SendText):
                self.emit(
                    ev.OutboxNotice(
                        f"nothing was sent: {self.offline_reason}",
                        command.session_id,
                        refused_text=command.text,
                    )
                )
            elif not isinstance(command, cmd.SaveDraft):  # a draft: the box already says why
                self.emit(ev.OutboxNotice(f"nothing was sent: {self.offline_reason}"))
            return
        self._desk.apply(command)
        while self._desk.has_work and not self._stop_requested.is_set():
            self._desk.send_one()

    def _apply(self, command: cmd.Command) -> None:
        """Apply a command that changes the store (on the store thread)."""
        assert self.store is not None
        # An alias is typed once and must not be lost; read markers change on every page of a
        # catch-up and may wait for the next commit (at most COMMIT_WAKE seconds).
        match command:
            case cmd.MarkRead(session_id):
                changed, what, commit_now = self.store.mark_read(session_id), "mark_read", False
            case cmd.MarkUnread(session_id):
                changed, what, commit_now = self.store.mark_unread(session_id), "mark_unread", False
            case cmd.SetAlias(session_id, alias):
                changed, what, commit_now = self.store.set_alias(session_id, alias), "alias", True
            case cmd.MarkLiveSeen():
                changed, what, commit_now = self.store.mark_live_seen(), "live_seen", False
            case _:
                return  # handled by the loop (sync, stop, the outbox's), never applied here
        if changed:
            # Commit first: a change reported to the UI is already on disk when it must be.
            self._commit(now=commit_now)
            self.emit(ev.IndexChanged(what))

    def _commit(self, *, now: bool = False) -> None:
        assert self.store is not None
        try:
            if now:
                self.store.commit()
            else:
                self.store.maybe_commit()
        except StoreError as exc:
            self._set_state(ev.BACKOFF, str(exc), time.time() + 5)

    def _cycle(self, engine: SyncEngine) -> float:
        """One sync cycle; returns seconds until the next one."""
        self._set_state(ev.SYNCING)
        try:
            engine.run_cycle(self.report)
        except SyncError as exc:
            if isinstance(exc, AuthError | CredentialError):
                self._raise_attention(ev.AUTH, describe_error(exc), self.AUTH_HINT)
            if not exc.retryable:
                self._set_state(ev.STOPPED, describe_error(exc))
                return float("inf")  # until the user asks again (sync_now)
            return self._back_off(exc)
        except StoreError as exc:
            return self._back_off(exc)
        except Exception as exc:  # noqa: BLE001 - the sync thread must outlive any one bug
            return self._back_off(exc)
        self.backoff.reset()
        if self.attention == ev.AUTH:
            self._raise_attention("")  # the token works again
        self._set_state(ev.IDLE)
        return self.poll_interval

    def _back_off(self, exc: BaseException) -> float:
        delay = self.backoff.next_delay()
        self._set_state(ev.BACKOFF, describe_error(exc), time.time() + delay)
        return delay
