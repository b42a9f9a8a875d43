"""Two workers taking the same e-mail at once, for real: threads with their
own PostgreSQL connections, each running a send job for one message (a job
retried while the first still runs, a duplicate job). Exactly one sends.

SQLite serialises every writer on one file lock, so the race is run on
PostgreSQL only (DATABASE_URL=postgres://...); tests/site/test_email_queue.py
checks the same claim deterministically on any database."""

import threading

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection, connections

from taskforce_site import mail as outgoing
from taskforce_site.models import OutgoingEmail

pytestmark = [
    # serialized_rollback: see tests/core/test_concurrent_writes.py.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a real race needs PostgreSQL's row locks"
    ),
    pytest.mark.no_worker,
]

WORKERS = 4
ROUNDS = 5


class SlowBackend(LocmemBackend):
    """Delivers after a moment, so the other workers try while one sends."""

    def send_messages(self, messages):
        threading.Event().wait(0.05)
        return super().send_messages(messages)


def test_workers_taking_one_email_at_once_send_it_once(settings):
    settings.EMAIL_BACKEND = f"{__name__}.SlowBackend"
    for round_ in range(ROUNDS):
        mail.outbox = []
        (record,) = outgoing.queue_templated_mail(
            to=[f"robin{round_}@example.org"],
            template="password_reset",
            context={"user": None, "reset_url": "https://tf.example.org/r/"},
        )
        start = threading.Barrier(WORKERS)
        results: list = [None] * WORKERS

        def work(index, pk=record.pk, start=start, results=results):
            try:
                start.wait()
                results[index] = outgoing.send_queued_mail.call(pk)
            except Exception as error:  # noqa: BLE001 - an escaped error is the finding
                results[index] = error
            finally:
                connections.close_all()

        threads = [threading.Thread(target=work, args=(n,)) for n in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(results) == ["not queued"] * (WORKERS - 1) + ["sent"], results
        assert len(mail.outbox) == 1
        record.refresh_from_db()
        assert (record.status, record.attempts) == (OutgoingEmail.Status.SENT, 1)
