"""Drop the claim links older outbox rows stored: they are now made when the email is rendered."""

from django.db import migrations


def forget_claim_links(apps, schema_editor):
    Notification = apps.get_model("core", "Notification")
    rows = Notification.objects.filter(template__in=["partner_staff_invitation", "partner_member_invitation"])
    for notification in rows.only("pk", "context").iterator():
        if "claim_url" in (notification.context or {}):
            context = dict(notification.context)
            context.pop("claim_url")
            Notification.objects.filter(pk=notification.pk).update(context=context)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(forget_claim_links, migrations.RunPython.noop)]
