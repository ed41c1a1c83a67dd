import os
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from centre.selectors import training_body
from programs import lheo


class Command(BaseCommand):
    help = (
        "Écrit le catalogue public au format LHEO 2.3 (formations publiées ayant au moins une session "
        "publique à venir), dans FILE ou sur la sortie standard."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o", metavar="FILE", help="Fichier à écrire (remplacé d'un coup une fois complet)."
        )

    def handle(self, *args, **options):
        body = training_body()
        missing = lheo.missing_training_body_fields(body)
        if missing:
            raise CommandError(str(lheo.MissingTrainingBodyData(missing)))
        output = options["output"]
        if not output:
            try:
                summary = lheo.write_document(sys.stdout.buffer, body=body, site_url=settings.SITE_URL)
                sys.stdout.buffer.flush()
            except BrokenPipeError:
                # The reader stopped early (``| head``): nothing left to say, and no traceback.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return
            self.stderr.write(self._said(summary))
            return
        target = Path(output)
        if not target.parent.is_dir():
            raise CommandError(_("Le dossier %(folder)s n'existe pas.") % {"folder": target.parent})
        # Written beside the target, then moved over it: a failed export leaves the previous file whole.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-")
        try:
            with os.fdopen(handle, "wb") as file:
                summary = lheo.write_document(file, body=body, site_url=settings.SITE_URL)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stdout.write(self._said(summary) + " " + _("Fichier : %(path)s") % {"path": target})

    @staticmethod
    def _said(summary: lheo.ExportSummary) -> str:
        if not summary.formations:
            return _(
                "Aucune formation publiée n'a de session publique à venir : le document ne contient aucune offre "
                "(le schéma LHEO en demande au moins une)."
            )
        return _("%(formations)d formation(s), %(actions)d action(s), %(sessions)d session(s) exportées.") % {
            "formations": summary.formations,
            "actions": summary.actions,
            "sessions": summary.sessions,
        }
