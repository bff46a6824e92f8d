"""Every Slack id takibi registers or sends (commands, callbacks, blocks, actions), in one place.

A few block ids are *scoped*: ``question:po_engagement:42``. Slack keeps what a user typed into an input
across ``views.update`` as long as its block id stays the same, so fields pre-filled from an account
(its last answers, key people, renewal forecast) carry that account's id: picking another account in
the open modal then shows the new account's values instead of the old ones. ``scoped`` builds such an
id and ``unscope`` reads it back.
"""

from __future__ import annotations

from enum import StrEnum

SCOPE_SEPARATOR = ":"


class Command(StrEnum):
    TAKIBI = "/takibi"


class Subcommand(StrEnum):
    ASSESS = "assess"
    STATUS = "status"
    MINE = "mine"
    CTAS = "ctas"
    NUDGE = "nudge"
    HELP = "help"


class Shortcut(StrEnum):
    """Callback ids of shortcuts declared in ``manifest.yml``."""

    LOG_TOUCHPOINT = "log_touchpoint"


class Callback(StrEnum):
    """Callback ids of takibi's modals."""

    ASSESS = "assess"
    TOUCHPOINT = "touchpoint"
    NOTICE = "takibi_notice"
    """A modal that only says something (loading, refusal); it has no submit button."""


class HelpBlock(StrEnum):
    HEADER = "help_header"
    COMMANDS = "help_commands"
    UNKNOWN = "help_unknown"
    FOOTER = "help_footer"


class AssessBlock(StrEnum):
    ACCOUNT = "assess_account"
    ACCOUNT_INFO = "assess_account_info"
    ELEMENT = "assess_element"
    """Scoped by element: the header of a group of questions (``assess_element:firewood``)."""
    QUESTION = "question"
    """Scoped by question id and account (``question:po_engagement:42``)."""
    QUESTIONS_EMPTY = "assess_no_questions"
    TOUCHPOINT = "assess_touchpoint"
    TOUCHPOINT_KIND = "tp_kind"
    TOUCHPOINT_DATE = "tp_date"
    TOUCHPOINT_FIT = "tp_fit"
    TOUCHPOINT_EFFORT = "tp_effort"
    PEOPLE = "assess_people"
    PEOPLE_INFO = "assess_people_info"
    """Scoped by account: the current key people (read-only for those who may not change them)."""
    PERSON_NAME = "person_name"
    """Scoped by role and account (``person_name:po:42``)."""
    PERSON_LEFT = "person_left"
    """Scoped by role and account: "left the company / moved"."""
    RENEWAL = "renewal"
    """Scoped by account."""
    NOTE = "note"
    SAVED = "assess_saved"
    SAVED_DETAIL = "assess_saved_detail"


class TouchpointBlock(StrEnum):
    ACCOUNT = "touchpoint_account"
    MESSAGE = "touchpoint_message"
    KIND = "touchpoint_kind"
    DATE = "touchpoint_date"
    FIT = "touchpoint_fit"
    EFFORT = "touchpoint_effort"
    NOTE = "touchpoint_note"
    SAVED = "touchpoint_saved"
    SAVED_DETAIL = "touchpoint_saved_detail"


class StatusBlock(StrEnum):
    HEADER = "status_header"
    GRADES = "status_grades"
    REASONS = "status_reasons"
    UNKNOWNS = "status_unknowns"
    CTAS = "status_ctas"
    TOUCHPOINTS = "status_touchpoints"
    PEOPLE = "status_people"
    CONTRACT = "status_contract"
    ACTIONS = "status_actions"
    MATCHES = "status_matches"
    NOT_FOUND = "status_not_found"


class MineBlock(StrEnum):
    HEADER = "mine_header"
    GRADE = "mine_grade"
    """Scoped by grade (``mine_grade:4``, ``mine_grade:none``)."""
    EMPTY = "mine_empty"
    SUMMARY = "mine_summary"
    CTAS = "mine_ctas"


class HomeBlock(StrEnum):
    HEADER = "home_header"
    ACCOUNTS = "home_accounts"
    ACCOUNT_LIST = "home_account_list"
    ACCOUNTS_EMPTY = "home_accounts_empty"
    CTAS = "home_ctas"
    CTAS_EMPTY = "home_ctas_empty"
    COVERAGE = "home_coverage"
    ACTIONS = "home_actions"
    UPDATED = "home_updated"


class NudgeBlock(StrEnum):
    """The steward's DM, the channel roll-call, the note to the steward and ``/takibi nudge``."""

    HEADER = "nudge_header"
    INTRO = "nudge_intro"
    ITEM = "nudge_item"
    """Scoped by position (``nudge_item:0``): one item with its assess button."""
    MORE = "nudge_more"
    FOOTER = "nudge_footer"
    ROLL_CALL = "nudge_roll_call"
    TOTAL = "nudge_total"
    STEWARD = "nudge_steward"
    PAUSE = "nudge_pause"


class NoticeBlock(StrEnum):
    TEXT = "notice_text"


class Action(StrEnum):
    """Action ids of interactive elements."""

    ACCOUNT = "account"
    """The account picker (an external select answered by ``block_suggestion``)."""
    ANSWER = "answer"
    TOUCHPOINT_KIND = "kind"
    TOUCHPOINT_DATE = "date"
    TOUCHPOINT_FIT = "fit"
    TOUCHPOINT_EFFORT = "effort"
    PERSON_NAME = "name"
    PERSON_LEFT = "left"
    RENEWAL = "renewal"
    NOTE = "note"
    STATUS_PICK = "status_pick"
    """A button on an ambiguous ``/takibi status``: value = account id."""
    OPEN_ASSESS = "open_assess"
    """Opens the assess modal; value = account id (or empty)."""
    OPEN_TOUCHPOINT = "open_touchpoint"
    """Opens the touchpoint modal; value = account id."""


def scoped(base: StrEnum, *scope: object) -> str:
    """``scoped(AssessBlock.QUESTION, "po_engagement", 42)`` → ``"question:po_engagement:42"``."""
    return SCOPE_SEPARATOR.join((str(base), *(str(part) for part in scope)))


def unscope(block_id: str) -> tuple[str, tuple[str, ...]]:
    """``"question:po_engagement:42"`` → ``("question", ("po_engagement", "42"))``."""
    base, *scope = block_id.split(SCOPE_SEPARATOR)
    return base, tuple(scope)


# --- CTA alerts (handlers.cta, handlers.views.cta) ---------------------------------------------------


class CtaCallback(StrEnum):
    """Callback ids of the CTA modals."""

    SNOOZE = "cta_snooze"
    DONE = "cta_done"
    DISMISS = "cta_dismiss"


class CtaBlock(StrEnum):
    HEADER = "cta_header"
    FIELDS = "cta_fields"
    GRADES = "cta_grades"
    REASONS = "cta_reasons"
    PLAYBOOK = "cta_playbook"
    ACTIONS = "cta_actions"
    HINT = "cta_hint"
    SUMMARY = "cta_summary"
    SNOOZE_DAYS = "cta_snooze_days"
    SNOOZE_REASON = "cta_snooze_reason"
    SNOOZE_NOTE = "cta_snooze_note"
    USEFULNESS = "cta_usefulness"
    DISMISS_REASON = "cta_dismiss_reason"


class CtaButton(StrEnum):
    """Buttons on a CTA alert; value = the CTA id."""

    TAKE = "cta_take"
    SNOOZE = "cta_snooze"
    DONE = "cta_done"
    DISMISS = "cta_dismiss"


class CtaInput(StrEnum):
    """Action ids of the inputs in the CTA modals."""

    DAYS = "days"
    REASON = "reason"
    NOTE = "note"
    USEFULNESS = "usefulness"
