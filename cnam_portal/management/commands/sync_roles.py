from django.core.management.base import BaseCommand

from cnam_portal.roles import sync_roles


class Command(BaseCommand):
    help = "Met les groupes du back office (rôles) en conformité avec cnam_portal/roles.py."

    def handle(self, *args, **options):
        for name, count in sync_roles().items():
            self.stdout.write(f"{name} : {count} permission(s)")
