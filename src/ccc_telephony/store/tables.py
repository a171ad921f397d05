"""The schema as SQLAlchemy Core tables; migrations/versions must produce exactly this.

Index and constraint names are explicit so that the migration and this file can be compared
(tests/integration/store/test_schema.py does it with Alembic's autogenerate comparison).
"""

from __future__ import annotations

from sqlalchemy import (
    CHAR,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TIMESTAMP

metadata = MetaData()

TIMESTAMPTZ = TIMESTAMP(timezone=True)

calls = Table(
    "calls",
    metadata,
    Column("call_id", Text, primary_key=True),
    Column("caller_number", Text),
    Column("caller_name", Text),
    Column("dialed_number", Text),
    Column("language", Text),
    Column("program", Text),
    Column("queue", Text),
    Column("case_number", Text),
    Column("ssn_last4", CHAR(4)),
    Column("ssn_hmac", Text),
    Column("started_at", TIMESTAMPTZ),
    Column("answered_at", TIMESTAMPTZ),
    Column("ended_at", TIMESTAMPTZ),
    # How the IVR part ended (call_ended), and the queue's facts (AMI events, in any order);
    # `outcome` is derived from them all by store/projection.py's final_outcome.
    Column("ivr_outcome", Text),
    Column("agent_id", Text),
    Column("agent_answered_at", TIMESTAMPTZ),
    Column("abandoned_at", TIMESTAMPTZ),
    Column("wait_seconds", Integer),
    Column("outcome", Text),
    Column("hours_reason", Text),
    # Why the agent ended the call themself, when they did ("abusive": ended_by_agent_abusive).
    Column("agent_ended", Text),
    Index("ix_calls_started_at", "started_at"),
    Index("ix_calls_ssn_hmac", "ssn_hmac"),
)

call_events = Table(
    "call_events",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False),
    Column("call_id", Text, nullable=False),
    Column("at", TIMESTAMPTZ, nullable=False),
    Column("name", Text, nullable=False),
    Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("written_at", TIMESTAMPTZ, nullable=False, server_default=text("now()")),
    UniqueConstraint("event_id", name="uq_call_events_event_id"),
    Index("ix_call_events_call_id_at", "call_id", "at"),
)

hours_overrides = Table(
    "hours_overrides",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("open", Boolean, nullable=False),
    Column("until", TIMESTAMPTZ, nullable=False),
    Column("reason", Text, nullable=False),
    Column("set_by", Text, nullable=False),
    Column("set_at", TIMESTAMPTZ, nullable=False, server_default=text("now()")),
    Column("cleared_at", TIMESTAMPTZ, nullable=True),
    Column("cleared_by", Text, nullable=True),
)

prompt_recordings = Table(
    "prompt_recordings",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("prompt", Text, nullable=False),
    Column("language", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("stored_path", Text, nullable=False),
    Column("set_by", Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False, server_default=text("now()")),
    CheckConstraint("source IN ('phone', 'upload')", name="ck_prompt_recordings_source"),
)

# --- agents (issue 4) -------------------------------------------------------------------------

agents = Table(
    "agents",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("extension", Text, nullable=False),
    Column("team", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column(
        "supervisor_id", Text, ForeignKey("agents.id", name="fk_agents_supervisor"), nullable=True
    ),
    Column("languages", ARRAY(Text), nullable=False),
    Column("protected_start", Time, nullable=True),
    Column("hq_shift", Text, nullable=True),
    Column("email", Text, nullable=True),
    Column("shift_start", Time, nullable=True),
    Column("shift_end", Time, nullable=True),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", TIMESTAMPTZ, nullable=False, server_default=text("now()")),
    Column("updated_at", TIMESTAMPTZ, nullable=False, server_default=text("now()")),
    CheckConstraint("team IN ('ebd', 'family')", name="ck_agents_team"),
    CheckConstraint("role IN ('worker', 'lead', 'supervisor')", name="ck_agents_role"),
    # Among active agents only: a leaver's extension goes to the next hire.
    Index("uq_agents_extension", "extension", unique=True, postgresql_where=text("active")),
)

# One row per stretch of time an agent spent in one state (and reason): time in each state per
# agent and per day is a sum over these. The open interval (ended_at NULL) is the current state.
agent_states = Table(
    "agent_states",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("agent_id", Text, ForeignKey("agents.id", name="fk_agent_states_agent"), nullable=False),
    Column("state", Text, nullable=False),
    Column("reason", Text, nullable=True),
    Column("started_at", TIMESTAMPTZ, nullable=False),
    Column("ended_at", TIMESTAMPTZ, nullable=True),
    Column("source", Text, nullable=False),
    Column("set_by", Text, nullable=True),
    # On a call: the state (and reason) the agent returns to when it ends.
    Column("after_state", Text, nullable=True),
    Column("after_reason", Text, nullable=True),
    CheckConstraint(
        "state IN ('logged_out', 'ready', 'not_ready', 'call_inbound')",
        name="ck_agent_states_state",
    ),
    CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ck_agent_states_order"),
    Index("ix_agent_states_agent_started", "agent_id", "started_at"),
    Index(
        "uq_agent_states_one_open",
        "agent_id",
        unique=True,
        postgresql_where=text("ended_at IS NULL"),
    ),
)

# Requests the coverage guard refused or warned about, and supervisor overrides of it.
agent_state_refusals = Table(
    "agent_state_refusals",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("agent_id", Text, ForeignKey("agents.id", name="fk_refusals_agent"), nullable=False),
    Column("requested_state", Text, nullable=False),
    Column("reason", Text, nullable=True),
    Column("queue", Text, nullable=False),
    Column("rule", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("requested_by", Text, nullable=True),
    Column("at", TIMESTAMPTZ, nullable=False, server_default=text("now()")),
    CheckConstraint(
        "outcome IN ('refused', 'warned', 'overridden')", name="ck_agent_state_refusals_outcome"
    ),
)

# API tokens of agents, leads and supervisors (the admin's is a secret, not here). Only a hash
# is stored; the role is the agent's in the roster at each request, never the token's.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("token_sha256", Text, nullable=False),
    Column("agent_id", Text, ForeignKey("agents.id", name="fk_api_tokens_agent"), nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False, server_default=text("now()")),
    Column("revoked_at", TIMESTAMPTZ, nullable=True),
    Column("last_used_at", TIMESTAMPTZ, nullable=True),
    Column("revoked_by", Text, nullable=True),
    UniqueConstraint("token_sha256", name="uq_api_tokens_token_sha256"),
    Index("ix_api_tokens_agent_id", "agent_id"),
)

# --- escalations (issue 10) -------------------------------------------------------------------

# The follow-up a Help lead owes the worker who escalated a caller. Created and advanced by the
# call's escalation events (store/projection.py, in the event writer's transaction), then marked
# researching or resolved by the lead (store/escalations.py). No foreign keys: it is history,
# and outlives an agent's leaving the roster.
escalation_followups = Table(
    "escalation_followups",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("call_id", Text, nullable=False),
    Column("agent_id", Text, nullable=False),
    Column("target", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("from_lead_id", Text, nullable=True),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("due_at", TIMESTAMPTZ, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'open'")),
    Column("lead_id", Text, nullable=True),
    Column("answered_at", TIMESTAMPTZ, nullable=True),
    Column("returned_at", TIMESTAMPTZ, nullable=True),
    Column("returned_why", Text, nullable=True),
    Column("note", Text, nullable=True),
    Column("updated_by", Text, nullable=True),
    Column("updated_at", TIMESTAMPTZ, nullable=True),
    Column("resolved_at", TIMESTAMPTZ, nullable=True),
    CheckConstraint(
        "status IN ('open', 'returned', 'researching', 'resolved')",
        name="ck_escalation_followups_status",
    ),
    Index("ix_escalation_followups_status_due", "status", "due_at"),
    Index("ix_escalation_followups_agent", "agent_id"),
    Index("ix_escalation_followups_lead", "lead_id"),
)

# --- the consortium directory (issue 10) -----------------------------------------------------
# consortia.yaml seeds these once; config/directory.py's model holds the rules they must meet
# (every county served once, a number is one consortium's or allow-listed, never both) and
# every edit goes through it. Numbers are stored as directory.numbers.normalize makes them.
NANP_NUMBER = "^[2-9][0-9]{2}[2-9][0-9]{6}$"

consortia = Table(
    "consortia",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("phone", Text, nullable=False),
    Column("is_home", Boolean, nullable=False, server_default=text("false")),
    # The directory's order (the seed file's, then consortia as added): it numbers the
    # consortium prompts for admins, which must not change with where the directory came from.
    Column("position", Integer, nullable=False),
    UniqueConstraint("phone", name="uq_consortia_phone"),
    CheckConstraint("id ~ '^[a-z][a-z0-9_]{0,39}$'", name="ck_consortia_id"),
    CheckConstraint(f"phone ~ '{NANP_NUMBER}'", name="ck_consortia_phone"),
    Index("uq_consortia_one_home", "is_home", unique=True, postgresql_where=text("is_home")),
)

# The state's counties (the codes callers key in the IVR), each served by exactly one consortium.
counties = Table(
    "counties",
    metadata,
    Column("code", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column(
        "consortium_id",
        Text,
        ForeignKey("consortia.id", name="fk_counties_consortium"),
        nullable=False,
    ),
    UniqueConstraint("name", name="uq_counties_name"),
    CheckConstraint("code BETWEEN 1 AND 999", name="ck_counties_code"),
)

# A consortium's numbers besides its main one (worker lines, fax, local agency lines).
consortium_numbers = Table(
    "consortium_numbers",
    metadata,
    Column("number", Text, primary_key=True),
    Column(
        "consortium_id",
        Text,
        ForeignKey("consortia.id", name="fk_consortium_numbers_consortium"),
        nullable=False,
    ),
    Column("label", Text, nullable=False),
    CheckConstraint(f"number ~ '{NANP_NUMBER}'", name="ck_consortium_numbers_number"),
    Index("ix_consortium_numbers_consortium", "consortium_id"),
)

# Outside numbers agents may transfer callers to; anything else outside is denied.
transfer_allowlist = Table(
    "transfer_allowlist",
    metadata,
    Column("number", Text, primary_key=True),
    Column("label", Text, nullable=False),
    CheckConstraint(f"number ~ '{NANP_NUMBER}'", name="ck_transfer_allowlist_number"),
)

# Every change to the four tables above: who, when, what, and the entries before and after.
directory_changes = Table(
    "directory_changes",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", TIMESTAMPTZ, nullable=False, server_default=text("now()")),
    Column("changed_by", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("before", JSONB, nullable=True),
    Column("after", JSONB, nullable=True),
    Index("ix_directory_changes_at", "at"),
)

# --- threats and the contact log (issue 11) --------------------------------------------------

# A threat an agent flagged on a call: told to their supervisor at once (live feed, e-mail), the
# agent's account of the words as close to verbatim as possible (theirs to edit until the
# supervisor decides), and the supervisor's decision on reporting it to law enforcement.
# Made at once by the service and again (idempotently) by the call's `threat_flagged` event,
# so a flag made while the database is down is recorded when the spool is written.
threats = Table(
    "threats",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("call_id", Text, nullable=False),
    Column("case_number", Text, nullable=True),
    Column("agent_id", Text, nullable=False),
    Column("supervisor_ids", ARRAY(Text), nullable=False),
    Column("flagged_at", TIMESTAMPTZ, nullable=False),
    Column("flagged_by", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("account", Text, nullable=True),
    Column("account_updated_at", TIMESTAMPTZ, nullable=True),
    Column("reported_to_law_enforcement", Boolean, nullable=True),
    Column("decided_at", TIMESTAMPTZ, nullable=True),
    Column("decided_by", Text, nullable=True),
    Column("decision_notes", Text, nullable=True),
    Column("emailed_to", ARRAY(Text), nullable=True),
    Column("emailed_at", TIMESTAMPTZ, nullable=True),
    Column("email_error", Text, nullable=True),
    # One record per agent per call: a caller transferred on may threaten the next agent too.
    UniqueConstraint("call_id", "agent_id", name="uq_threats_call_agent"),
    CheckConstraint("source IN ('code', 'api')", name="ck_threats_source"),
    Index("ix_threats_agent", "agent_id"),
    Index("ix_threats_flagged_at", "flagged_at"),
)

# Every look at threat records, allowed or refused: who, when, which, what.
threat_access = Table(
    "threat_access",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", TIMESTAMPTZ, nullable=False),
    Column("who", Text, nullable=False),
    Column("threat_id", Uuid, nullable=True),
    Column("action", Text, nullable=False),
    Column("allowed", Boolean, nullable=False),
    Index("ix_threat_access_at", "at"),
    Index("ix_threat_access_threat", "threat_id"),
)

# Every contact an agent must log: their part of an inbound call (made by the call's queue
# events, store/projection.py) or a failed outbound attempt; the wrap-up fields are what the
# agent records. `due_at` (the agent's part ended plus the policy's wrap-up time) is when a
# missing wrap-up starts being listed.
contacts = Table(
    "contacts",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("kind", Text, nullable=False),
    Column("call_id", Text, nullable=False),
    Column("agent_id", Text, nullable=False),
    Column("started_at", TIMESTAMPTZ, nullable=True),
    Column("ended_at", TIMESTAMPTZ, nullable=True),
    Column("due_at", TIMESTAMPTZ, nullable=True),
    Column("abusive", Boolean, nullable=False, server_default=text("false")),
    Column("disposition", Text, nullable=True),
    Column("comment", Text, nullable=True),
    Column("first_contact_resolved", Boolean, nullable=True),
    Column("interpreter_used", Boolean, nullable=True),
    Column("abusive_note", Text, nullable=True),
    Column("recorded_by", Text, nullable=True),
    Column("recorded_at", TIMESTAMPTZ, nullable=True),
    UniqueConstraint("kind", "call_id", "agent_id", name="uq_contacts_kind_call_agent"),
    CheckConstraint(
        "kind IN ('inbound_call', 'return_call', 'outbound_attempt')", name="ck_contacts_kind"
    ),
    Index("ix_contacts_agent", "agent_id", "due_at"),
    Index("ix_contacts_missing", "due_at", postgresql_where=text("recorded_at IS NULL")),
)

# --- interpreters (issue 11) ------------------------------------------------------------------

# Each interpreter conferenced into a call, as the standard asks it documented: who (name,
# position or relationship, the interpreter's id), which language and line, when they were in.
# Made and advanced by the call's interpreter events (store/projection.py), so it is written
# with them, survives a database outage like them, and a replay changes nothing.
call_interpreters = Table(
    "call_interpreters",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("call_id", Text, nullable=False),
    Column("agent_id", Text, nullable=False),
    Column("language", Text, nullable=False),
    Column("number", Text, nullable=False),
    Column("interpreter_id", Text, nullable=True),
    Column("name", Text, nullable=True),
    Column("role", Text, nullable=True),
    Column("joined_at", TIMESTAMPTZ, nullable=False),
    Column("left_at", TIMESTAMPTZ, nullable=True),
    Column("left_reason", Text, nullable=True),
    Column("documented_by", Text, nullable=True),
    Column("documented_at", TIMESTAMPTZ, nullable=True),
    Index("ix_call_interpreters_call", "call_id"),
)

# --- telephonic signatures (issue 11) --------------------------------------------------------
# One row per capture: made when it starts (`recording`), completed when it ends (`recorded`,
# or `incomplete` when the caller hung up, the agent cancelled or the service restarted), then
# `purged` when its audio passed retention. Files are named by opaque ids, never by caller.
# `chain_seq`/`chain_hash` point at the ledger entry that sealed the row (signatures/chain.py).
SIGNATURE_STATUSES = "('recording', 'recorded', 'incomplete', 'purged')"

telephonic_signatures = Table(
    "telephonic_signatures",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("call_id", Text, nullable=False),
    Column("case_number", Text, nullable=True),
    Column("ssn_last4", CHAR(4), nullable=True),
    Column("agent_id", Text, nullable=False),
    Column("program", Text, nullable=False),
    Column("language", Text, nullable=False),
    Column("script_id", Text, nullable=False),
    Column("script_version", Text, nullable=False),
    Column("started_at", TIMESTAMPTZ, nullable=False),
    Column("ended_at", TIMESTAMPTZ, nullable=True),
    Column("duration_seconds", Numeric(10, 3), nullable=True),
    Column("status", Text, nullable=False, server_default=text("'recording'")),
    Column("ended_by", Text, nullable=True),
    Column("caller_file", Text, nullable=False),
    Column("caller_bytes", BigInteger, nullable=True),
    Column("caller_sha256", Text, nullable=True),
    Column("both_file", Text, nullable=False),
    Column("both_bytes", BigInteger, nullable=True),
    Column("both_sha256", Text, nullable=True),
    Column("chain_seq", BigInteger, nullable=True),
    Column("chain_hash", Text, nullable=True),
    Column("purged_at", TIMESTAMPTZ, nullable=True),
    CheckConstraint(f"status IN {SIGNATURE_STATUSES}", name="ck_telephonic_signatures_status"),
    CheckConstraint("ssn_last4 ~ '^[0-9]{4}$'", name="ck_telephonic_signatures_ssn_last4"),
    Index("ix_telephonic_signatures_case", "case_number"),
    Index("ix_telephonic_signatures_call", "call_id"),
    Index("ix_telephonic_signatures_status_ended", "status", "ended_at"),
)

# The tamper-evident ledger: append-only, one entry per fact (a capture sealed, its audio
# purged), each hashed with the previous entry's hash. `record` is the canonical JSON exactly
# as hashed (text, not JSONB: JSONB would reorder and reformat it).
signature_ledger = Table(
    "signature_ledger",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("signature_id", Uuid, nullable=False),
    Column("kind", Text, nullable=False),
    Column("record", Text, nullable=False),
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
    CheckConstraint("kind IN ('sealed', 'purged')", name="ck_signature_ledger_kind"),
    Index("ix_signature_ledger_signature", "signature_id"),
)

# Every version of every attestation script a caller heard: the words (the policy's text) and
# the digest of the sound played, so the exact script of any signature can be shown later.
signature_scripts = Table(
    "signature_scripts",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("script_id", Text, nullable=False),
    Column("language", Text, nullable=False),
    Column("version", Text, nullable=False),
    Column("parts", JSONB, nullable=False),
    Column("first_used_at", TIMESTAMPTZ, nullable=False),
    UniqueConstraint("script_id", "language", "version", name="uq_signature_scripts_version"),
)

# Who listed, viewed or downloaded signatures, refusals included.
signature_access = Table(
    "signature_access",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", TIMESTAMPTZ, nullable=False),
    Column("who", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("signature_ids", ARRAY(Uuid), nullable=False),
    Column("part", Text, nullable=True),
    Column("allowed", Boolean, nullable=False),
    CheckConstraint("action IN ('list', 'view', 'download')", name="ck_signature_access_action"),
    Index("ix_signature_access_at", "at"),
)
# A confidential case's call back owed by its assigned worker (issue 12): one per call per
# agent who marked it. The worker, caller's name, phone and best time may follow the phone code
# through the API; the worker and their leads are told once it is complete (`notified_at`).
confidential_callbacks = Table(
    "confidential_callbacks",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("call_id", Text, nullable=False),
    Column("agent_id", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("worker_id", Text, nullable=True),
    Column("caller_name", Text, nullable=True),
    Column("case_number", Text, nullable=True),
    Column("phone", Text, nullable=True),
    Column("best_time", Text, nullable=True),
    Column("due_at", TIMESTAMPTZ, nullable=True),
    # False: too little of the worker's shift in the promised hours; due at their next shift's end.
    Column("due_within", Boolean, nullable=True),
    Column("state", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("state_at", TIMESTAMPTZ, nullable=False),
    Column("state_by", Text, nullable=False),
    Column("notified_at", TIMESTAMPTZ, nullable=True),
    Column("notified_to", ARRAY(Text), nullable=True),
    Column("emailed_to", ARRAY(Text), nullable=True),
    Column("email_error", Text, nullable=True),
    Column("escalated_at", TIMESTAMPTZ, nullable=True),
    Column("escalated_to", ARRAY(Text), nullable=True),
    # Not done the policy's minutes before due: flagged to those told (again once reassigned).
    Column("warned_at", TIMESTAMPTZ, nullable=True),
    Column("warned_to", ARRAY(Text), nullable=True),
    # Still incomplete (the worker never told) after the policy's time: sent to the leads.
    Column("incomplete_flagged_at", TIMESTAMPTZ, nullable=True),
    Column("incomplete_flagged_to", ARRAY(Text), nullable=True),
    UniqueConstraint("call_id", "agent_id", name="uq_confidential_callbacks_call_agent"),
    CheckConstraint("source IN ('code', 'api')", name="ck_confidential_callbacks_source"),
    CheckConstraint(
        "state IN ('owed', 'returning', 'done', 'unreachable')",
        name="ck_confidential_callbacks_state",
    ),
    Index("ix_confidential_callbacks_worker", "worker_id"),
    Index("ix_confidential_callbacks_due_at", "due_at"),
)
# Who did what when with each task, and every look at one (allowed or refused): a listing is
# one row per task it showed.
confidential_actions = Table(
    "confidential_actions",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("callback_id", BigInteger, nullable=True),
    Column("at", TIMESTAMPTZ, nullable=False),
    Column("who", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("allowed", Boolean, nullable=False),
    Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Index("ix_confidential_actions_callback", "callback_id"),
    Index("ix_confidential_actions_at", "at"),
)

# Every message left for a person to return (a staff mailbox, or the main number after hours):
# when it is due back, where it stands, who must return it now (`owner`). Its history is in
# message_actions; the recording under Asterisk's recordings directory (`recording`).
messages = Table(
    "messages",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("mailbox", Text, nullable=True),
    Column("queue", Text, nullable=True),
    Column("owner", Text, nullable=True),
    Column("call_id", Text, nullable=False),
    Column("caller_number", Text, nullable=True),
    Column("language", Text, nullable=False),
    Column("case_number", Text, nullable=True),
    Column("received_at", TIMESTAMPTZ, nullable=False),
    Column("duration_seconds", Numeric, nullable=True),
    Column("recording", Text, nullable=False),
    Column("due_at", TIMESTAMPTZ, nullable=False),
    Column("state", Text, nullable=False, server_default=text("'new'")),
    Column("state_at", TIMESTAMPTZ, nullable=False),
    Column("state_by", Text, nullable=True),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("warned_at", TIMESTAMPTZ, nullable=True),
    CheckConstraint("source IN ('mailbox', 'after_hours')", name="ck_messages_source"),
    CheckConstraint(
        "state IN ('new', 'heard', 'returning', 'returned', 'unreachable')",
        name="ck_messages_state",
    ),
    CheckConstraint("source = 'after_hours' OR mailbox IS NOT NULL", name="ck_messages_mailbox"),
    UniqueConstraint("call_id", "recording", name="uq_messages_call_recording"),
    Index("ix_messages_mailbox", "mailbox", "received_at"),
    Index(
        "ix_messages_open",
        "due_at",
        postgresql_where=text("state NOT IN ('returned', 'unreachable')"),
    ),
)

# Who did what to a message, when: left, heard, listened (every read of its recording),
# taken over, return started, each attempt, a return call cut off by a restart
# (return_interrupted), returned, unreachable, warned. Never an SSN.
message_actions = Table(
    "message_actions",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column(
        "message_id",
        BigInteger,
        ForeignKey("messages.id", name="fk_message_actions_message"),
        nullable=False,
    ),
    Column("at", TIMESTAMPTZ, nullable=False),
    Column("who", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Index("ix_message_actions_message", "message_id", "at"),
)

# --- staff mailboxes (issue 12) ---------------------------------------------------------------

# One row per agent whose mailbox has something of its own (a greeting, an away status, a
# departed agent's mailbox disconnected); an agent without one has a mailbox all the same.
# Greetings are recordings in Asterisk's recordings folder (their names here).
mailboxes = Table(
    "mailboxes",
    metadata,
    Column("agent_id", Text, ForeignKey("agents.id", name="fk_mailboxes_agent"), primary_key=True),
    Column("greeting_in_office", Text, nullable=True),
    Column("greeting_in_office_at", TIMESTAMPTZ, nullable=True),
    Column("greeting_away", Text, nullable=True),
    Column("greeting_away_at", TIMESTAMPTZ, nullable=True),
    Column("away_until", TIMESTAMPTZ, nullable=True),
    Column("away_set_by", Text, nullable=True),
    # A departed agent's own greeting goes on playing (else the spoken "no longer here").
    Column("keep_greeting", Boolean, nullable=False, server_default=text("false")),
    Column("disconnected_at", TIMESTAMPTZ, nullable=True),
    Column("disconnected_by", Text, nullable=True),
    # The last flag sent (what, when), so the check job tells each problem once.
    Column("flagged", Text, nullable=True),
    Column("flagged_at", TIMESTAMPTZ, nullable=True),
    Column("updated_at", TIMESTAMPTZ, nullable=False),
)

# Whom a supervisor names to reach a mailbox's messages (an absent agent's) beside themself.
mailbox_delegates = Table(
    "mailbox_delegates",
    metadata,
    Column(
        "mailbox",
        Text,
        ForeignKey("agents.id", name="fk_mailbox_delegates_mailbox"),
        primary_key=True,
    ),
    Column(
        "delegate",
        Text,
        ForeignKey("agents.id", name="fk_mailbox_delegates_delegate"),
        primary_key=True,
    ),
    Column("named_by", Text, nullable=False),
    Column("named_at", TIMESTAMPTZ, nullable=False),
)

# Every look at a mailbox or change to it by anyone, refusals included.
mailbox_access = Table(
    "mailbox_access",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", TIMESTAMPTZ, nullable=False),
    Column("who", Text, nullable=False),
    Column("mailbox", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("message_id", BigInteger, nullable=True),
    Column("allowed", Boolean, nullable=False),
    Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Index("ix_mailbox_access_mailbox_at", "mailbox", "at"),
)

# Every e-mail a promise check owes, kept until the SMTP server took it (or it cannot go): a
# notice is posted once under its (kind, key), and retried while the server is away.
mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("kind", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("posted_at", TIMESTAMPTZ, nullable=False),
    Column("recipients", ARRAY(Text), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("ids", ARRAY(Text), nullable=False),
    Column("tries", Integer, nullable=False, server_default=text("0")),
    Column("sent_at", TIMESTAMPTZ, nullable=True),
    Column("given_up_at", TIMESTAMPTZ, nullable=True),
    Column("last_error", Text, nullable=True),
    PrimaryKeyConstraint("kind", "key", name="pk_mail_outbox"),
    Index(
        "ix_mail_outbox_unsent",
        "kind",
        postgresql_where=text("sent_at IS NULL AND given_up_at IS NULL"),
    ),
)

# Callers waiting in a queue who asked to be called back instead (callbacks/). Their place in
# line is `entered_at` (when they joined the queue): every placeholder is put back at the
# position that time gives among the callers waiting then, so a restart loses no place.
queue_callbacks = Table(
    "queue_callbacks",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("call_id", Text, nullable=False),
    Column("queue", Text, nullable=False),
    Column("number", Text, nullable=False),
    Column("language", Text, nullable=False),
    Column("entered_at", TIMESTAMPTZ, nullable=False),
    Column("accepted_at", TIMESTAMPTZ, nullable=False),
    Column("state", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", TIMESTAMPTZ),
    Column("placeholder", Text),
    Column("agent_id", Text),
    Column("last_outcome", Text),
    Column("state_at", TIMESTAMPTZ, nullable=False),
    Column("state_by", Text),
    # The caller's channel of the latest attempt, recorded before it is dialled (0017).
    Column("attempt_id", Text),
    CheckConstraint(
        "state IN ('waiting', 'queued', 'dialling', 'connected', 'failed', 'cancelled')",
        name="ck_queue_callbacks_state",
    ),
    CheckConstraint("number ~ '^[0-9]{10}$'", name="ck_queue_callbacks_number"),
    UniqueConstraint("call_id", name="uq_queue_callbacks_call"),
    Index(
        "ix_queue_callbacks_open",
        "entered_at",
        postgresql_where=text("state IN ('waiting', 'queued', 'dialling')"),
    ),
)

# Every read of call data by a person (issue 13): a report listing callers, the live feed of
# calls, a call looked up. What was asked (`scope`: the report's queue, dates, format) is
# kept, never the caller data shown.
call_data_reads = Table(
    "call_data_reads",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", TIMESTAMPTZ, nullable=False),
    Column("who", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("what", Text, nullable=False),
    Column("scope", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Index("ix_call_data_reads_at", "at"),
)

# Every caller's visit to a queue (issue 13's reports), kept by the call's events in the event
# writer's transaction (store/visits.py). A short abandon is an abandoned visit shorter than
# the policy's threshold, counted when a report is read, so the stated definition is always true.
queue_visits = Table(
    "queue_visits",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("call_id", Text, nullable=False),
    Column("queue", Text, nullable=False),
    Column("joined_at", TIMESTAMPTZ, nullable=False),
    Column("position", Integer),
    Column("answered_at", TIMESTAMPTZ),
    Column("agent_id", Text),
    Column("wait_seconds", Integer),
    Column("ended_at", TIMESTAMPTZ),
    Column("outcome", Text),
    Column("talk_seconds", Integer),
    Column("caller_number", Text),
    # The caller's case: "case:" and its number, else "ssn:" and the SSN's keyed hash.
    Column("case_key", Text),
    # When the same case next reached a queue on another call (first-contact resolution).
    Column("next_contact_at", TIMESTAMPTZ),
    CheckConstraint(
        "outcome IS NULL OR outcome IN"
        " ('answered', 'abandoned', 'transferred_out', 'escalated', 'callback', 'left')",
        name="ck_queue_visits_outcome",
    ),
    UniqueConstraint("call_id", "queue", "joined_at", name="uq_queue_visits_visit"),
    Index("ix_queue_visits_joined_at", "joined_at"),
    Index("ix_queue_visits_queue_joined_at", "queue", "joined_at"),
    Index("ix_queue_visits_agent_answered", "agent_id", "answered_at"),
    Index("ix_queue_visits_case_key", "case_key", "joined_at"),
    Index("ix_queue_visits_caller_number", "caller_number", "joined_at"),
)

# What a queue's quarter hour adds up to: summed by the reports (store/reports.py).
QUEUE_COUNTS = (
    "offered",
    "answered",
    "answered_in_sl",
    "abandoned",
    "short_abandons",
    "wait_answered_seconds",
    "talked",
    "talk_seconds",
    "transfers_out",
    "escalations",
)

# Each queue's counts per quarter hour (UTC bins, so any zone's quarter hours), recounted from
# queue_visits in the event writer's transaction (store/visits.py) with the thresholds the
# writer was given; the interval report reads these when its thresholds and bins match.
queue_interval_counts = Table(
    "queue_interval_counts",
    metadata,
    Column("queue", Text, primary_key=True),
    Column("bin_start", TIMESTAMPTZ, primary_key=True),
    Column("service_level_seconds", Integer, nullable=False),
    Column("short_abandon_seconds", Integer, nullable=False),
    *(Column(name, BigInteger, nullable=False) for name in QUEUE_COUNTS),
    Column("longest_wait_seconds", Integer),
    Index("ix_queue_interval_counts_bin", "bin_start"),
)

# Each closed day's time per agent, state and reason (reason '' for none) and calls handled, in
# a time zone's days: counted once a day is over, the first time a report needs it, since a
# day past never changes (store/reports.py). agent_days_counted says which days are.
agent_day_states = Table(
    "agent_day_states",
    metadata,
    Column("zone", Text, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("agent_id", Text, primary_key=True),
    Column("state", Text, primary_key=True),
    Column("reason", Text, primary_key=True),
    Column("seconds", Float, nullable=False),
)
agent_day_calls = Table(
    "agent_day_calls",
    metadata,
    Column("zone", Text, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("agent_id", Text, primary_key=True),
    Column("calls", Integer, nullable=False),
    Column("talked", Integer, nullable=False),
    Column("talk_seconds", BigInteger, nullable=False),
)
agent_days_counted = Table(
    "agent_days_counted",
    metadata,
    Column("zone", Text, primary_key=True),
    Column("day", Date, primary_key=True),
)

# --- staff login for the web pages (issue 13) -------------------------------------------------

# Each person's password as a salted scrypt hash (login/passwords.py), never the password. The
# admin has none: they log in with the admin token.
staff_passwords = Table(
    "staff_passwords",
    metadata,
    Column(
        "agent_id",
        Text,
        ForeignKey("agents.id", name="fk_staff_passwords_agent"),
        primary_key=True,
    ),
    Column("password_hash", Text, nullable=False),
    Column("set_at", TIMESTAMPTZ, nullable=False),
    Column("set_by", Text, nullable=False),
)

# A browser's session after a login: only a SHA-256 of its random id (the cookie) is kept. `who`
# is an agent id, or "admin:" and a fingerprint of the admin token (login/sessions.py); the role
# is the roster's at each request, as for API tokens.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("session_sha256", Text, nullable=False),
    Column("who", Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("expires_at", TIMESTAMPTZ, nullable=False),
    Column("ended_at", TIMESTAMPTZ, nullable=True),
    UniqueConstraint("session_sha256", name="uq_web_sessions_session_sha256"),
    Index("ix_web_sessions_who", "who"),
)
