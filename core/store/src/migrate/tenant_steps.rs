//! The migration steps of every tenant database, in order.

use super::steps::Migration;

pub(crate) const TENANT: &[Migration] = &[
    Migration {
        version: 1,
        name: "users, contacts, tags, queues, quick replies, settings, api keys",
        sql: r#"
DEFINE TABLE schema_migration SCHEMAFULL;
DEFINE FIELD version ON schema_migration TYPE int;
DEFINE FIELD name ON schema_migration TYPE string;
DEFINE FIELD applied_at ON schema_migration TYPE datetime DEFAULT time::now();

DEFINE TABLE user SCHEMAFULL;
DEFINE FIELD name ON user TYPE string;
DEFINE FIELD email ON user TYPE string;
DEFINE FIELD role ON user TYPE string ASSERT $value IN ["agent", "supervisor", "admin"];
DEFINE FIELD password_hash ON user TYPE string;
DEFINE FIELD max_tickets ON user TYPE int DEFAULT 0;
DEFINE FIELD language ON user TYPE string DEFAULT "pt-BR";
DEFINE FIELD password_changed_at ON user TYPE datetime DEFAULT time::now();
DEFINE FIELD created_at ON user TYPE datetime DEFAULT time::now();
DEFINE INDEX user_email ON user FIELDS email UNIQUE;

DEFINE ANALYZER contact_search TOKENIZERS blank, punct FILTERS lowercase, ascii, edgengram(1, 24);
DEFINE TABLE contact SCHEMAFULL;
DEFINE FIELD name ON contact TYPE string;
DEFINE FIELD phone ON contact TYPE string;
DEFINE FIELD email ON contact TYPE option<string>;
DEFINE FIELD custom_fields ON contact TYPE object FLEXIBLE DEFAULT {};
DEFINE FIELD tags ON contact TYPE array<string> DEFAULT [];
DEFINE FIELD search ON contact TYPE string;
DEFINE FIELD created_at ON contact TYPE datetime DEFAULT time::now();
DEFINE FIELD updated_at ON contact TYPE datetime DEFAULT time::now();
DEFINE INDEX contact_phone ON contact FIELDS phone UNIQUE;
DEFINE INDEX contact_tags ON contact FIELDS tags;
DEFINE INDEX contact_search ON contact FIELDS search FULLTEXT ANALYZER contact_search BM25;

DEFINE TABLE tag SCHEMAFULL;
DEFINE FIELD name ON tag TYPE string;
DEFINE FIELD color ON tag TYPE string;
DEFINE FIELD created_at ON tag TYPE datetime DEFAULT time::now();
DEFINE INDEX tag_name ON tag FIELDS name UNIQUE;

DEFINE TABLE queue SCHEMAFULL;
DEFINE FIELD name ON queue TYPE string;
DEFINE FIELD color ON queue TYPE string;
DEFINE FIELD greeting ON queue TYPE string DEFAULT "";
DEFINE FIELD user_ids ON queue TYPE array<string> DEFAULT [];
DEFINE FIELD created_at ON queue TYPE datetime DEFAULT time::now();
DEFINE INDEX queue_name ON queue FIELDS name UNIQUE;
DEFINE INDEX queue_users ON queue FIELDS user_ids;

DEFINE TABLE quick_reply SCHEMAFULL;
DEFINE FIELD shortcut ON quick_reply TYPE string;
DEFINE FIELD message ON quick_reply TYPE string;
DEFINE FIELD created_at ON quick_reply TYPE datetime DEFAULT time::now();
DEFINE INDEX quick_reply_shortcut ON quick_reply FIELDS shortcut UNIQUE;

DEFINE TABLE setting SCHEMAFULL;
DEFINE FIELD value ON setting TYPE any;
DEFINE FIELD updated_at ON setting TYPE datetime DEFAULT time::now();

DEFINE TABLE api_key SCHEMAFULL;
DEFINE FIELD name ON api_key TYPE string;
DEFINE FIELD prefix ON api_key TYPE string;
DEFINE FIELD scopes ON api_key TYPE array<string>;
DEFINE FIELD created_by ON api_key TYPE string;
DEFINE FIELD created_at ON api_key TYPE datetime DEFAULT time::now();
DEFINE FIELD last_used_at ON api_key TYPE option<datetime>;
"#,
    },
    Migration {
        version: 2,
        name: "flows and their published versions",
        sql: r#"
DEFINE TABLE flow SCHEMAFULL;
DEFINE FIELD name ON flow TYPE string;
DEFINE FIELD description ON flow TYPE string DEFAULT "";
DEFINE FIELD draft ON flow TYPE string;
DEFINE FIELD published_version ON flow TYPE option<int>;
DEFINE FIELD created_at ON flow TYPE datetime DEFAULT time::now();
DEFINE FIELD updated_at ON flow TYPE datetime DEFAULT time::now();
DEFINE INDEX flow_name ON flow FIELDS name UNIQUE;

DEFINE TABLE flow_version SCHEMAFULL;
DEFINE FIELD flow_id ON flow_version TYPE string;
DEFINE FIELD version ON flow_version TYPE int;
DEFINE FIELD hash ON flow_version TYPE string;
DEFINE FIELD document ON flow_version TYPE string;
DEFINE FIELD published_by ON flow_version TYPE string;
DEFINE FIELD published_at ON flow_version TYPE datetime DEFAULT time::now();
"#,
    },
    Migration {
        version: 3,
        name: "flow runs: state, step trace, effect outbox, one active run per contact and flow",
        sql: r#"
DEFINE TABLE run SCHEMAFULL;
DEFINE FIELD flow_id ON run TYPE string;
DEFINE FIELD version ON run TYPE int;
DEFINE FIELD hash ON run TYPE string;
DEFINE FIELD test ON run TYPE bool DEFAULT false;
DEFINE FIELD document ON run TYPE option<string>;
DEFINE FIELD contact_id ON run TYPE option<string>;
DEFINE FIELD ticket_id ON run TYPE option<string>;
DEFINE FIELD contact ON run TYPE option<string>;
DEFINE FIELD trigger ON run TYPE string;
DEFINE FIELD active_key ON run TYPE option<array<string>>;
DEFINE FIELD clock_offset_ms ON run TYPE option<int>;
DEFINE FIELD parent_run ON run TYPE option<string>;
DEFINE FIELD parent_seq ON run TYPE option<int>;
DEFINE FIELD depth ON run TYPE int DEFAULT 0;
DEFINE FIELD status ON run TYPE string;
DEFINE FIELD seq ON run TYPE int;
DEFINE FIELD node ON run TYPE string;
DEFINE FIELD waiting ON run TYPE option<string>;
DEFINE FIELD state ON run TYPE string;
DEFINE FIELD error ON run TYPE option<string>;
DEFINE FIELD started_at ON run TYPE datetime DEFAULT time::now();
DEFINE FIELD updated_at ON run TYPE datetime DEFAULT time::now();
DEFINE FIELD ended_at ON run TYPE option<datetime>;
DEFINE INDEX run_flow ON run FIELDS flow_id;
DEFINE INDEX run_contact ON run FIELDS contact_id, status;
DEFINE INDEX run_status ON run FIELDS status;

DEFINE TABLE run_active SCHEMAFULL;
DEFINE FIELD run_id ON run_active TYPE string;

DEFINE TABLE run_step SCHEMAFULL;
DEFINE FIELD node ON run_step TYPE string;
DEFINE FIELD port ON run_step TYPE option<string>;
DEFINE FIELD input ON run_step TYPE option<string>;
DEFINE FIELD micros ON run_step TYPE int;
DEFINE FIELD error ON run_step TYPE option<string>;
DEFINE FIELD vars ON run_step TYPE option<string>;
DEFINE FIELD at ON run_step TYPE datetime DEFAULT time::now();

DEFINE TABLE run_effect SCHEMAFULL;
DEFINE FIELD key ON run_effect TYPE string;
DEFINE FIELD kind ON run_effect TYPE string;
DEFINE FIELD body ON run_effect TYPE string;
DEFINE FIELD pending ON run_effect TYPE bool DEFAULT true;
DEFINE FIELD result ON run_effect TYPE option<string>;
DEFINE FIELD created_at ON run_effect TYPE datetime DEFAULT time::now();
DEFINE FIELD done_at ON run_effect TYPE option<datetime>;
DEFINE FIELD claimed_until ON run_effect TYPE option<datetime>;
DEFINE INDEX run_effect_pending ON run_effect FIELDS pending;
"#,
    },
    Migration {
        version: 4,
        name: "inbox: connections, tickets, messages, timeline, event stream, media, simulator",
        sql: r#"
DEFINE FIELD strategy ON queue TYPE string DEFAULT "manual";
DEFINE FIELD rr_last ON queue TYPE option<string>;
DEFINE FIELD online ON user TYPE bool DEFAULT false;

DEFINE TABLE connection SCHEMAFULL;
DEFINE FIELD name ON connection TYPE string;
DEFINE FIELD kind ON connection TYPE string;
DEFINE FIELD phone ON connection TYPE string;
DEFINE FIELD status ON connection TYPE string DEFAULT "disconnected";
DEFINE FIELD pairing ON connection TYPE option<string>;
DEFINE FIELD default_flow_id ON connection TYPE option<string>;
DEFINE FIELD default_queue_id ON connection TYPE option<string>;
DEFINE FIELD greeting ON connection TYPE string DEFAULT "";
DEFINE FIELD farewell ON connection TYPE string DEFAULT "";
DEFINE FIELD messages_per_minute ON connection TYPE int DEFAULT 60;
DEFINE FIELD created_at ON connection TYPE datetime DEFAULT time::now();
DEFINE FIELD updated_at ON connection TYPE datetime DEFAULT time::now();
DEFINE INDEX connection_phone ON connection FIELDS phone UNIQUE;

DEFINE TABLE connection_status SCHEMAFULL;
DEFINE FIELD connection_id ON connection_status TYPE string;
DEFINE FIELD status ON connection_status TYPE string;
DEFINE FIELD detail ON connection_status TYPE string DEFAULT "";
DEFINE FIELD at ON connection_status TYPE datetime DEFAULT time::now();
DEFINE INDEX connection_status_of ON connection_status FIELDS connection_id;

DEFINE TABLE ticket SCHEMAFULL;
DEFINE FIELD contact_id ON ticket TYPE string;
DEFINE FIELD contact_name ON ticket TYPE string;
DEFINE FIELD contact_phone ON ticket TYPE string;
DEFINE FIELD connection_id ON ticket TYPE string;
DEFINE FIELD queue_id ON ticket TYPE option<string>;
DEFINE FIELD user_id ON ticket TYPE option<string>;
DEFINE FIELD status ON ticket TYPE string ASSERT $value IN ["pending", "open", "closed"];
DEFINE FIELD is_group ON ticket TYPE bool DEFAULT false;
DEFINE FIELD unread ON ticket TYPE int DEFAULT 0;
DEFINE FIELD last_message ON ticket TYPE string DEFAULT "";
DEFINE FIELD last_message_at ON ticket TYPE option<datetime>;
DEFINE FIELD tags ON ticket TYPE array<string> DEFAULT [];
DEFINE FIELD activity ON ticket TYPE string;
DEFINE FIELD created_at ON ticket TYPE datetime DEFAULT time::now();
DEFINE FIELD updated_at ON ticket TYPE datetime DEFAULT time::now();
DEFINE FIELD closed_at ON ticket TYPE option<datetime>;
DEFINE INDEX ticket_status ON ticket FIELDS status, activity;
DEFINE INDEX ticket_contact ON ticket FIELDS contact_id, connection_id;
DEFINE INDEX ticket_queue ON ticket FIELDS queue_id, status;
DEFINE INDEX ticket_user ON ticket FIELDS user_id, status;
DEFINE INDEX ticket_tags ON ticket FIELDS tags;

DEFINE TABLE ticket_live SCHEMAFULL;
DEFINE FIELD ticket_id ON ticket_live TYPE string;

DEFINE TABLE message SCHEMAFULL;
DEFINE FIELD ticket_id ON message TYPE string;
DEFINE FIELD contact_id ON message TYPE string;
DEFINE FIELD connection_id ON message TYPE string;
DEFINE FIELD direction ON message TYPE string;
DEFINE FIELD kind ON message TYPE string;
DEFINE FIELD body ON message TYPE string;
DEFINE FIELD media ON message TYPE option<object> FLEXIBLE;
DEFINE FIELD quoted_id ON message TYPE option<string>;
DEFINE FIELD channel_id ON message TYPE option<string>;
DEFINE FIELD status ON message TYPE string;
DEFINE FIELD error ON message TYPE option<string>;
DEFINE FIELD user_id ON message TYPE option<string>;
DEFINE FIELD run_id ON message TYPE option<string>;
DEFINE FIELD mentions ON message TYPE array<string> DEFAULT [];
DEFINE FIELD created_at ON message TYPE datetime DEFAULT time::now();
DEFINE FIELD updated_at ON message TYPE datetime DEFAULT time::now();
DEFINE INDEX message_ticket ON message FIELDS ticket_id;
DEFINE INDEX message_channel ON message FIELDS connection_id, channel_id;

DEFINE TABLE dedupe SCHEMAFULL;
DEFINE FIELD message_id ON dedupe TYPE string;
DEFINE FIELD at ON dedupe TYPE datetime DEFAULT time::now();

DEFINE TABLE ticket_log SCHEMAFULL;
DEFINE FIELD ticket_id ON ticket_log TYPE string;
DEFINE FIELD actor ON ticket_log TYPE string;
DEFINE FIELD action ON ticket_log TYPE string;
DEFINE FIELD detail ON ticket_log TYPE string DEFAULT "{}";
DEFINE FIELD at ON ticket_log TYPE datetime DEFAULT time::now();
DEFINE INDEX ticket_log_ticket ON ticket_log FIELDS ticket_id;

DEFINE TABLE inbox_event SCHEMAFULL;
DEFINE FIELD kind ON inbox_event TYPE string;
DEFINE FIELD ticket_id ON inbox_event TYPE option<string>;
DEFINE FIELD queue_id ON inbox_event TYPE option<string>;
DEFINE FIELD user_id ON inbox_event TYPE option<string>;
DEFINE FIELD status ON inbox_event TYPE option<string>;
DEFINE FIELD prev_queue_id ON inbox_event TYPE option<string>;
DEFINE FIELD prev_user_id ON inbox_event TYPE option<string>;
DEFINE FIELD prev_status ON inbox_event TYPE option<string>;
DEFINE FIELD connection_id ON inbox_event TYPE option<string>;
DEFINE FIELD data ON inbox_event TYPE object FLEXIBLE DEFAULT {};
DEFINE FIELD at ON inbox_event TYPE datetime DEFAULT time::now();

DEFINE TABLE scheduled_message SCHEMAFULL;
DEFINE FIELD ticket_id ON scheduled_message TYPE string;
DEFINE FIELD body ON scheduled_message TYPE string;
DEFINE FIELD send_at ON scheduled_message TYPE datetime;
DEFINE FIELD status ON scheduled_message TYPE string DEFAULT "scheduled";
DEFINE FIELD message_id ON scheduled_message TYPE option<string>;
DEFINE FIELD user_id ON scheduled_message TYPE string;
DEFINE FIELD created_at ON scheduled_message TYPE datetime DEFAULT time::now();
DEFINE INDEX scheduled_message_ticket ON scheduled_message FIELDS ticket_id;

DEFINE TABLE media SCHEMAFULL;
DEFINE FIELD mime ON media TYPE string;
DEFINE FIELD filename ON media TYPE option<string>;
DEFINE FIELD size ON media TYPE int;
DEFINE FIELD path ON media TYPE string;
DEFINE FIELD ticket_id ON media TYPE option<string>;
DEFINE FIELD created_by ON media TYPE string;
DEFINE FIELD created_at ON media TYPE datetime DEFAULT time::now();

DEFINE TABLE sim_message SCHEMAFULL;
DEFINE FIELD connection_id ON sim_message TYPE string;
DEFINE FIELD phone ON sim_message TYPE string;
DEFINE FIELD direction ON sim_message TYPE string;
DEFINE FIELD body ON sim_message TYPE string;
DEFINE FIELD kind ON sim_message TYPE string;
DEFINE FIELD media_url ON sim_message TYPE option<string>;
DEFINE FIELD quoted ON sim_message TYPE option<string>;
DEFINE FIELD status ON sim_message TYPE string;
DEFINE FIELD at ON sim_message TYPE datetime DEFAULT time::now();
DEFINE INDEX sim_message_phone ON sim_message FIELDS connection_id, phone;
"#,
    },
    Migration {
        version: 5,
        name: "inbox: outgoing messages still to send, per ticket",
        sql: r#"
DEFINE INDEX message_outbox ON message FIELDS ticket_id, status;
"#,
    },
    Migration {
        version: 6,
        name: "plugins: versions, state, key-value data",
        sql: r#"
DEFINE TABLE plugin SCHEMAFULL;
DEFINE FIELD name ON plugin TYPE string;
DEFINE FIELD enabled ON plugin TYPE bool DEFAULT true;
DEFINE FIELD current ON plugin TYPE string;
DEFINE FIELD created_at ON plugin TYPE datetime DEFAULT time::now();
DEFINE FIELD updated_at ON plugin TYPE datetime DEFAULT time::now();

DEFINE TABLE plugin_version SCHEMAFULL;
DEFINE FIELD plugin_id ON plugin_version TYPE string;
DEFINE FIELD version ON plugin_version TYPE string;
DEFINE FIELD manifest ON plugin_version TYPE string;
DEFINE FIELD module ON plugin_version TYPE string;
DEFINE FIELD sha256 ON plugin_version TYPE string;
DEFINE FIELD size ON plugin_version TYPE int;
DEFINE FIELD uploaded_by ON plugin_version TYPE string;
DEFINE FIELD uploaded_at ON plugin_version TYPE datetime DEFAULT time::now();
DEFINE INDEX plugin_version_plugin ON plugin_version FIELDS plugin_id;

DEFINE TABLE plugin_kv SCHEMAFULL;
DEFINE FIELD plugin_id ON plugin_kv TYPE string;
DEFINE FIELD key ON plugin_kv TYPE string;
DEFINE FIELD data ON plugin_kv TYPE string;
DEFINE FIELD size ON plugin_kv TYPE int;
DEFINE INDEX plugin_kv_key ON plugin_kv FIELDS plugin_id, key UNIQUE;
"#,
    },
    Migration {
        version: 7,
        name: "plugins: key-value entries keyed by plugin and key with a usage total; retired versions remembered by checksum",
        sql: r#"
DEFINE TABLE plugin_kv_usage SCHEMAFULL;
DEFINE FIELD used ON plugin_kv_usage TYPE int DEFAULT 0;
DEFINE TABLE plugin_tombstone SCHEMAFULL;
DEFINE FIELD sha256 ON plugin_tombstone TYPE string;
DEFINE FIELD removed_at ON plugin_tombstone TYPE datetime DEFAULT time::now();
FOR $r IN (SELECT * FROM plugin_kv) { DELETE $r.id; CREATE type::record('plugin_kv', [$r.plugin_id, $r.key]) CONTENT { plugin_id: $r.plugin_id, key: $r.key, data: $r.data, size: $r.size }; };
FOR $u IN (SELECT plugin_id, math::sum(size) AS used FROM plugin_kv GROUP BY plugin_id) { UPSERT type::record('plugin_kv_usage', $u.plugin_id) SET used = $u.used; };
"#,
    },
    Migration {
        version: 8,
        name: "inbox: group chats (group contacts, the member who wrote a message)",
        sql: r#"
DEFINE FIELD is_group ON contact TYPE bool DEFAULT false;
DEFINE FIELD author ON message TYPE option<object> FLEXIBLE;
UPDATE contact SET is_group = false WHERE is_group = NONE;
"#,
    },
    Migration {
        version: 9,
        name: "inbox: a message's event carries its ticket's (one row for both)",
        sql: r#"
DEFINE FIELD ticket ON inbox_event TYPE option<object> FLEXIBLE;
DEFINE FIELD ticket_event ON inbox_event TYPE option<string>;
"#,
    },
    Migration {
        version: 10,
        name: "inbox: tickets indexed by when they closed (the dashboard's window)",
        sql: r#"
DEFINE INDEX ticket_closed ON ticket FIELDS closed_at;
"#,
    },
    Migration {
        version: 11,
        name: "users: a password given to the user (by an operator) must be changed",
        sql: r#"
DEFINE FIELD password_must_change ON user TYPE bool DEFAULT false;
"#,
    },
    Migration {
        version: 12,
        name: "connections: the Cloud API's settings, secrets sealed",
        sql: r#"
DEFINE FIELD cloud ON connection TYPE option<object>;
DEFINE FIELD cloud.phone_number_id ON connection TYPE string;
DEFINE FIELD cloud.waba_id ON connection TYPE string;
DEFINE FIELD cloud.graph_url ON connection TYPE string;
DEFINE FIELD cloud.verify_token ON connection TYPE string;
DEFINE FIELD cloud.access_token ON connection TYPE string;
DEFINE FIELD cloud.app_secret ON connection TYPE string;
DEFINE INDEX connection_cloud_number ON connection FIELDS cloud.phone_number_id UNIQUE;
"#,
    },
    Migration {
        version: 13,
        name: "messages by contact (the Cloud API's 24-hour customer-service window)",
        sql: r#"
DEFINE INDEX message_contact ON message FIELDS contact_id;
"#,
    },
    Migration {
        version: 14,
        name: "Cloud API message templates, and the template a message went out as",
        sql: r#"
DEFINE FIELD template ON message TYPE option<object> FLEXIBLE;
DEFINE TABLE wa_template SCHEMAFULL;
DEFINE FIELD connection_id ON wa_template TYPE string;
DEFINE FIELD name ON wa_template TYPE string;
DEFINE FIELD language ON wa_template TYPE string;
DEFINE FIELD status ON wa_template TYPE string;
DEFINE FIELD category ON wa_template TYPE string;
DEFINE FIELD body ON wa_template TYPE string;
DEFINE FIELD variables ON wa_template TYPE int;
DEFINE FIELD synced_at ON wa_template TYPE datetime DEFAULT time::now();
DEFINE INDEX wa_template_of ON wa_template FIELDS connection_id;
"#,
    },
    Migration {
        version: 15,
        name: "messages: the options of a menu, for channels that show them as buttons",
        sql: r#"
DEFINE FIELD choices ON message TYPE array<string> DEFAULT [];
"#,
    },
    Migration {
        version: 16,
        name: "Cloud API templates: why one cannot be sent",
        sql: r#"
DEFINE FIELD unsupported ON wa_template TYPE option<string>;
"#,
    },
    Migration {
        version: 17,
        name: "messages: the claim of the worker handing one to its channel",
        sql: r#"
DEFINE FIELD send_claim ON message TYPE option<datetime>;
"#,
    },
    Migration {
        version: 18,
        name: "API clients' Idempotency-Keys, remembered for 24 hours; queues' own hours",
        sql: r#"
DEFINE TABLE idempotency SCHEMAFULL;
DEFINE FIELD request ON idempotency TYPE string;
DEFINE FIELD message_id ON idempotency TYPE string;
DEFINE FIELD created_at ON idempotency TYPE datetime DEFAULT time::now();
DEFINE INDEX idempotency_created ON idempotency FIELDS created_at;
DEFINE FIELD business_hours ON queue TYPE option<object> FLEXIBLE;
"#,
    },
    Migration {
        version: 19,
        name: "ratings asked when a ticket closes, and the answers",
        sql: r#"
DEFINE FIELD rating ON ticket TYPE option<int>;
DEFINE FIELD rating_comment ON ticket TYPE option<string>;
DEFINE FIELD rated_at ON ticket TYPE option<datetime>;
DEFINE INDEX ticket_rated ON ticket FIELDS rated_at;
DEFINE TABLE rating_wait SCHEMAFULL;
DEFINE FIELD ticket_id ON rating_wait TYPE string;
DEFINE FIELD expires_at ON rating_wait TYPE datetime;
"#,
    },
    Migration {
        version: 20,
        name: "contact wallets; messages scheduled to a contact, once or repeating; who wrote a ticket's last message and the flow talking on it; queues' own auto-close; quick replies with a file, and personal ones",
        sql: r#"
DEFINE FIELD owner_id ON contact TYPE option<string>;
DEFINE FIELD queue_id ON contact TYPE option<string>;
DEFINE INDEX contact_owner ON contact FIELDS owner_id;
DEFINE FIELD last_message_by ON ticket TYPE option<string>;
DEFINE FIELD bot_run_id ON ticket TYPE option<string>;
DEFINE INDEX ticket_bot ON ticket FIELDS bot_run_id;
DEFINE FIELD auto_close ON queue TYPE option<object> FLEXIBLE;
DEFINE FIELD media_id ON quick_reply TYPE option<string>;
DEFINE FIELD user_id ON quick_reply TYPE option<string>;
DEFINE FIELD owner ON quick_reply TYPE string DEFAULT "";
UPDATE quick_reply SET owner = "" WHERE owner = NONE;
REMOVE INDEX quick_reply_shortcut ON quick_reply;
DEFINE INDEX quick_reply_shortcut ON quick_reply FIELDS owner, shortcut UNIQUE;
DEFINE FIELD OVERWRITE ticket_id ON scheduled_message TYPE option<string>;
DEFINE FIELD contact_id ON scheduled_message TYPE string;
DEFINE FIELD contact_name ON scheduled_message TYPE string DEFAULT "";
DEFINE FIELD connection_id ON scheduled_message TYPE string;
DEFINE FIELD media_id ON scheduled_message TYPE option<string>;
DEFINE FIELD template ON scheduled_message TYPE option<object> FLEXIBLE;
DEFINE FIELD repeat ON scheduled_message TYPE string DEFAULT "none";
DEFINE FIELD repeat_until ON scheduled_message TYPE option<datetime>;
DEFINE FIELD first_at ON scheduled_message TYPE datetime;
DEFINE FIELD slot ON scheduled_message TYPE int DEFAULT 0;
DEFINE FIELD rev ON scheduled_message TYPE int DEFAULT 0;
DEFINE FIELD sent_count ON scheduled_message TYPE int DEFAULT 0;
DEFINE FIELD last_error ON scheduled_message TYPE option<string>;
DEFINE INDEX scheduled_message_due ON scheduled_message FIELDS send_at;
DEFINE INDEX scheduled_message_contact ON scheduled_message FIELDS contact_id;
FOR $s IN (SELECT id, ticket_id, send_at, status FROM scheduled_message) {
    LET $t = (SELECT contact_id, contact_name, connection_id FROM ONLY type::record('ticket', $s.ticket_id));
    UPDATE $s.id SET contact_id = $t.contact_id ?? '', contact_name = $t.contact_name ?? '',
        connection_id = $t.connection_id ?? '', first_at = $s.send_at, slot = 0, rev = 0,
        sent_count = IF $s.status = 'sent' THEN 1 ELSE 0 END;
};
"#,
    },
    Migration {
        version: 21,
        name: "outgoing webhooks: endpoints and their delivery log; users a ticket's notes mention; the company's AI provider",
        sql: r#"
DEFINE TABLE webhook_endpoint SCHEMAFULL;
DEFINE FIELD url ON webhook_endpoint TYPE string;
DEFINE FIELD description ON webhook_endpoint TYPE string DEFAULT "";
DEFINE FIELD events ON webhook_endpoint TYPE array<string>;
DEFINE FIELD connection_id ON webhook_endpoint TYPE option<string>;
DEFINE FIELD queue_id ON webhook_endpoint TYPE option<string>;
DEFINE FIELD tag_id ON webhook_endpoint TYPE option<string>;
DEFINE FIELD enabled ON webhook_endpoint TYPE bool DEFAULT true;
DEFINE FIELD disabled_reason ON webhook_endpoint TYPE option<string>;
DEFINE FIELD failing_since ON webhook_endpoint TYPE option<datetime>;
DEFINE FIELD secret ON webhook_endpoint TYPE string;
DEFINE FIELD previous_secret ON webhook_endpoint TYPE option<string>;
DEFINE FIELD previous_until ON webhook_endpoint TYPE option<datetime>;
DEFINE FIELD created_at ON webhook_endpoint TYPE datetime DEFAULT time::now();
DEFINE TABLE webhook_delivery SCHEMAFULL;
DEFINE FIELD endpoint_id ON webhook_delivery TYPE string;
DEFINE FIELD event_id ON webhook_delivery TYPE string;
DEFINE FIELD event_type ON webhook_delivery TYPE string;
DEFINE FIELD payload ON webhook_delivery TYPE string;
DEFINE FIELD status ON webhook_delivery TYPE string DEFAULT "pending";
DEFINE FIELD attempts ON webhook_delivery TYPE int DEFAULT 0;
DEFINE FIELD response_status ON webhook_delivery TYPE option<int>;
DEFINE FIELD response_excerpt ON webhook_delivery TYPE option<string>;
DEFINE FIELD error ON webhook_delivery TYPE option<string>;
DEFINE FIELD duration_ms ON webhook_delivery TYPE option<int>;
DEFINE FIELD next_attempt_at ON webhook_delivery TYPE option<datetime>;
DEFINE FIELD created_at ON webhook_delivery TYPE datetime DEFAULT time::now();
DEFINE FIELD updated_at ON webhook_delivery TYPE datetime DEFAULT time::now();
DEFINE INDEX webhook_delivery_endpoint ON webhook_delivery FIELDS endpoint_id;
DEFINE FIELD mentioned ON ticket TYPE array<string> DEFAULT [];
DEFINE TABLE ai_settings SCHEMAFULL;
DEFINE FIELD base_url ON ai_settings TYPE string;
DEFINE FIELD model ON ai_settings TYPE string;
DEFINE FIELD api_key ON ai_settings TYPE option<string>;
DEFINE FIELD updated_at ON ai_settings TYPE datetime DEFAULT time::now();
"#,
    },
    Migration {
        version: 22,
        name: "notices to a company's admins; voice notes' transcripts and the model that writes them; queue bots and the tickets they hold",
        sql: r#"
DEFINE TABLE notice SCHEMAFULL;
DEFINE FIELD kind ON notice TYPE string;
DEFINE FIELD reason ON notice TYPE string;
DEFINE FIELD subject_id ON notice TYPE string;
DEFINE FIELD subject ON notice TYPE string;
DEFINE FIELD detail ON notice TYPE string;
DEFINE FIELD created_at ON notice TYPE datetime DEFAULT time::now();
DEFINE FIELD dismissed_at ON notice TYPE option<datetime>;
DEFINE FIELD dismissed_by ON notice TYPE option<string>;
DEFINE FIELD transcript ON message TYPE option<string>;
DEFINE FIELD transcription_model ON ai_settings TYPE option<string>;
DEFINE FIELD bot ON queue TYPE option<object> FLEXIBLE;
DEFINE FIELD OVERWRITE status ON ticket TYPE string ASSERT $value IN ["pending", "open", "closed", "bot"];
"#,
    },
    Migration {
        version: 23,
        name: "contact lists, opt-outs, campaigns with their recipients and per-number pace",
        sql: r#"
DEFINE TABLE contact_list SCHEMAFULL;
DEFINE FIELD name ON contact_list TYPE string;
DEFINE FIELD kind ON contact_list TYPE string ASSERT $value IN ["static", "dynamic"];
DEFINE FIELD filter ON contact_list TYPE option<object> FLEXIBLE;
DEFINE FIELD created_at ON contact_list TYPE datetime DEFAULT time::now();
DEFINE INDEX contact_list_name ON contact_list FIELDS name UNIQUE;
DEFINE TABLE list_member SCHEMAFULL;
DEFINE FIELD list_id ON list_member TYPE string;
DEFINE FIELD contact_id ON list_member TYPE string;
DEFINE FIELD added_at ON list_member TYPE datetime DEFAULT time::now();
DEFINE INDEX list_member_list ON list_member FIELDS list_id;
DEFINE INDEX list_member_contact ON list_member FIELDS contact_id;
DEFINE FIELD opted_out ON contact TYPE bool DEFAULT false;
DEFINE TABLE campaign SCHEMAFULL;
DEFINE FIELD name ON campaign TYPE string;
DEFINE FIELD list_id ON campaign TYPE string;
DEFINE FIELD connection_ids ON campaign TYPE array<string>;
DEFINE FIELD content ON campaign TYPE object FLEXIBLE;
DEFINE FIELD per_minute ON campaign TYPE int;
DEFINE FIELD start_at ON campaign TYPE option<datetime>;
DEFINE FIELD window ON campaign TYPE option<object> FLEXIBLE;
DEFINE FIELD status ON campaign TYPE string;
DEFINE FIELD flow_version ON campaign TYPE option<int>;
DEFINE FIELD error ON campaign TYPE option<string>;
DEFINE FIELD created_at ON campaign TYPE datetime DEFAULT time::now();
DEFINE FIELD started_at ON campaign TYPE option<datetime>;
DEFINE FIELD finished_at ON campaign TYPE option<datetime>;
DEFINE FIELD planned ON campaign TYPE int DEFAULT 0;
DEFINE FIELD plan_after ON campaign TYPE option<string>;
DEFINE FIELD plan_done ON campaign TYPE bool DEFAULT false;
DEFINE TABLE campaign_lane SCHEMAFULL;
DEFINE FIELD campaign_id ON campaign_lane TYPE string;
DEFINE FIELD connection_id ON campaign_lane TYPE string;
DEFINE FIELD cursor ON campaign_lane TYPE int;
DEFINE FIELD next_at ON campaign_lane TYPE int;
DEFINE INDEX campaign_lane_campaign ON campaign_lane FIELDS campaign_id;
DEFINE TABLE campaign_recipient SCHEMAFULL;
DEFINE FIELD campaign_id ON campaign_recipient TYPE string;
DEFINE FIELD seq ON campaign_recipient TYPE int;
DEFINE FIELD contact_id ON campaign_recipient TYPE string;
DEFINE FIELD name ON campaign_recipient TYPE string;
DEFINE FIELD phone ON campaign_recipient TYPE string;
DEFINE FIELD connection_id ON campaign_recipient TYPE string;
DEFINE FIELD status ON campaign_recipient TYPE string;
DEFINE FIELD variant ON campaign_recipient TYPE option<int>;
DEFINE FIELD message_id ON campaign_recipient TYPE option<string>;
DEFINE FIELD run_id ON campaign_recipient TYPE option<string>;
DEFINE FIELD error ON campaign_recipient TYPE option<string>;
DEFINE FIELD claimed_at ON campaign_recipient TYPE option<datetime>;
DEFINE FIELD updated_at ON campaign_recipient TYPE datetime DEFAULT time::now();
DEFINE INDEX campaign_recipient_status ON campaign_recipient FIELDS campaign_id, status;
DEFINE FIELD campaign_id ON message TYPE option<string>;
DEFINE FIELD campaign_seq ON message TYPE option<int>;
DEFINE FIELD campaign_rcpt ON ticket TYPE option<array>;
"#,
    },
    Migration {
        version: 24,
        name: "campaign recipients reached per month, against the plan's limit; a campaign's audience at its start",
        sql: r#"
DEFINE TABLE campaign_usage SCHEMAFULL;
DEFINE FIELD count ON campaign_usage TYPE int DEFAULT 0;
DEFINE FIELD audience ON campaign TYPE option<int>;
"#,
    },
];
