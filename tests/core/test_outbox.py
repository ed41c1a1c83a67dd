"""The outbox holds what a broker outage would lose: committed events answer normally, the sweep sends later."""

import datetime
import os
import subprocess
import sys
from collections import Counter

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core import outbox
from core.models import Notification
from enrollment import tasks as enrollment_tasks
from enrollment.models import ApplicationStatus
from enrollment.services import applications
from partners import tasks as partner_tasks
from partners.models import ConventionDocument
from tests.factories import (
    ApplicantFactory,
    ApplicationFactory,
    PartnerMemberFactory,
    SeatAllocationFactory,
    StaffUserFactory,
)
from tests.helpers import run_action

pytestmark = pytest.mark.django_db


def test_a_convention_pdf_asked_for_during_a_broker_outage_answers_and_is_rendered_later(
    client, settings, unreachable_broker, django_capture_on_commit_callbacks
):
    referent = PartnerMemberFactory()
    convention = SeatAllocationFactory(partner=referent.partner).convention
    client.force_login(referent.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("partners:convention_pdf", args=[convention.reference]), follow=True)

    assert response.status_code == 200
    assert "en préparation" in response.content.decode()
    document = ConventionDocument.objects.get(convention=convention)
    assert document.state == ConventionDocument.State.PENDING

    # The broker is back (here: tasks in-process again); the sweep finds the row its message never reached.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    ConventionDocument.objects.filter(pk=document.pk).update(requested_at=timezone.now() - datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        partner_tasks.retry_failed_documents()
    document.refresh_from_db()
    assert document.state == ConventionDocument.State.READY


def test_the_admin_pdf_action_answers_during_a_broker_outage(
    client, unreachable_broker, django_capture_on_commit_callbacks
):
    staff = StaffUserFactory()
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_convention", "change_convention"]))
    client.force_login(staff)
    convention = SeatAllocationFactory(partner=PartnerMemberFactory().partner).convention

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(client, reverse("admin:partners_convention_changelist"), "generate_pdf", [convention])

    assert response.status_code in (200, 302)
    assert ConventionDocument.objects.get(convention=convention).state == ConventionDocument.State.PENDING


def test_a_decision_during_a_broker_outage_keeps_its_email_for_the_sweep(
    settings, unreachable_broker, django_capture_on_commit_callbacks
):
    staff = StaffUserFactory()
    application = ApplicationFactory()

    with django_capture_on_commit_callbacks(execute=True):
        applications.application_accept(application=application, by=staff)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    notification = Notification.objects.get(application=application, template="application_accepted")
    assert notification.state == Notification.State.PENDING

    settings.CELERY_TASK_ALWAYS_EAGER = True
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    assert enrollment_tasks.sweep_notifications() == 1
    notification.refresh_from_db()
    assert notification.state == Notification.State.SENT
    assert mail.outbox[-1].to == [application.applicant.email]


def test_a_replayed_event_writes_and_sends_nothing_twice(django_capture_on_commit_callbacks):
    user = ApplicantFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = outbox.notification_create(
            key="vae_stage:1:1", template="vae_stage", recipient_email=user.email, user=user, subject="Objet"
        )
        again = outbox.notification_create(
            key="vae_stage:1:1", template="vae_stage", recipient_email=user.email, user=user, subject="Objet"
        )
    assert first is not None and again is None
    assert len(callbacks) == 1
    assert Notification.objects.filter(idempotency_key="vae_stage:1:1").count() == 1


def test_an_unknown_task_name_is_logged_never_raised(caplog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue_on_commit("nowhere.tasks.missing", 42)
    assert "Unknown task nowhere.tasks.missing" in caplog.text


def test_a_web_process_finds_the_tasks_no_module_imported_yet():
    """A fresh process (gunicorn's) has imported no tasks module when its first event commits."""
    script = (
        "import sys, django; django.setup(); from core import outbox; "
        "assert 'enrollment.tasks' not in sys.modules; "
        "print(outbox.task_named('enrollment.tasks.render_certificate').name, "
        "outbox.task_named('partners.tasks.render_convention_document').name)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(settings.BASE_DIR)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["enrollment.tasks.render_certificate", "partners.tasks.render_convention_document"]


@pytest.fixture
def own_broker(broker):
    from cnam_portal.celery import app as celery_app
    from tests.redis_server import RedisServer

    server = RedisServer().start()
    broker(server.url())
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield server
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    server.cleanup()


def _queued(server, queue: str) -> list[str]:
    import json

    import redis

    client = redis.Redis.from_url(server.url())
    return [json.loads(body)["headers"]["task"] for body in client.lrange(queue, 0, -1)]


def _rows(count: int, prefix: str) -> list[Notification]:
    application = ApplicationFactory()
    return [
        Notification(
            idempotency_key=f"{prefix}-{n}",
            template="application_received",
            recipient_email=f"agent{n}@tsingoni.yt",
            application=application,
        )
        for n in range(count)
    ]


def test_a_large_commit_publishes_one_message_and_a_worker_publishes_each_row(
    own_broker, django_capture_on_commit_callbacks
):
    """A partner's import of hundreds of staff answers without publishing one message per row."""
    with django_capture_on_commit_callbacks(execute=True):
        rows = outbox.notifications_create(rows=_rows(outbox.FAN_OUT_OVER + 30, "bulk"))
    assert _queued(own_broker, "mail") == [outbox.FAN_OUT_TASK]  # on the emails' queue

    from core import tasks as core_tasks

    assert core_tasks.enqueue_each(settings.OUTBOX_SEND_TASK, [row.pk for row in rows]) == len(rows)
    assert Counter(_queued(own_broker, "mail")) == {outbox.FAN_OUT_TASK: 1, settings.OUTBOX_SEND_TASK: len(rows)}


def test_a_small_commit_publishes_each_row_at_once(own_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.notifications_create(rows=_rows(3, "few"))
    assert _queued(own_broker, "mail") == [settings.OUTBOX_SEND_TASK] * 3
