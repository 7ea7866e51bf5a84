from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "mediation"
    verbose_name = _("Mediation")

    def ready(self):
        """Give the lower apps mediation's say in their rules, through the registries they offer."""
        from core import partitions

        partitions.register("mediation_mediationevent", "at")  # monthly on PostgreSQL (0007)
        from cases import holds
        from cases.querysets import register_visibility
        from cases.workflow import CASE_WORKFLOW
        from core.access import Role
        from grids.models import ROLE_RECORDS, RoleRecord
        from grids.scope import MEDIATION, register_scope_resolver
        from mediation import selectors, workflow  # noqa: F401 (workflow: the grants)
        from mediation.services import HOLDER_KIND
        from registry.selectors import ResidentLink, register_resident_link

        holds.register_holder(HOLDER_KIND, selectors.describe_hold)
        CASE_WORKFLOW.add_guard("verify", selectors.no_rework_after_agreement)
        CASE_WORKFLOW.add_guard("merge", selectors.no_merge_after_mediation)
        register_visibility(MEDIATION, selectors.cases_of_visible_mediations)
        register_scope_resolver(Role.MEDIATOR, selectors.mediator_scope)
        register_resident_link(ResidentLink("mediations", selectors.mediations_of_resident))
        ROLE_RECORDS[Role.MEDIATOR] = RoleRecord(
            exists=selectors.mediator_record_exists,
            missing=_("Create the mediator record for this user first."),
        )
