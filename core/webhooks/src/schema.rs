//! The JSON Schema of the events the webhooks send (`schemas/webhook-events.schema.json`):
//! the Standard Webhooks envelope `{type, timestamp, data}`, one shape of `data` per event
//! type, built from the same types the payloads are serialised from.

use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Value, json};
use tucan_model::contact::Contact;
use tucan_model::ticket::{Message, Ticket};

fn reference<T: JsonSchema>(generator: &mut SchemaGenerator) -> Value {
    generator.subschema_for::<T>().to_value()
}

fn object(properties: Value) -> Value {
    let required: Vec<String> = properties
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    json!({ "type": "object", "properties": properties, "required": required })
}

fn event(kind: Value, data: Value) -> Value {
    json!({
        "type": "object",
        "properties": {
            "type": kind,
            "timestamp": { "type": "string", "format": "date-time" },
            "data": data,
        },
        "required": ["type", "timestamp", "data"],
    })
}

/// The schema every event body the webhooks send matches.
pub fn events_schema() -> Value {
    let mut generator = SchemaGenerator::default();
    let message = reference::<Message>(&mut generator);
    let ticket = reference::<Ticket>(&mut generator);
    let contact = reference::<Contact>(&mut generator);
    let id = json!({ "type": "string" });
    let maybe = json!({ "type": ["string", "null"] });
    let run = object(json!({
        "id": id, "flow_id": id, "version": { "type": "integer" }, "status": id,
        "error": maybe, "contact_id": maybe, "ticket_id": maybe, "trigger": id,
        "started_at": { "type": "string", "format": "date-time" },
        "ended_at": { "type": ["string", "null"], "format": "date-time" },
    }));
    let one = |kind: &str, data: Value| event(json!({ "const": kind }), data);
    let events = vec![
        one(
            "message.received",
            object(json!({ "message": message, "ticket": ticket })),
        ),
        one("message.sent", object(json!({ "message": message }))),
        one("message.status", object(json!({ "message": message }))),
        one("ticket.created", object(json!({ "ticket": ticket }))),
        one("ticket.updated", object(json!({ "ticket": ticket }))),
        one("ticket.closed", object(json!({ "ticket": ticket }))),
        one("contact.created", object(json!({ "contact": contact }))),
        one("contact.updated", object(json!({ "contact": contact }))),
        one("flow.run.completed", object(json!({ "run": run }))),
        one("flow.run.failed", object(json!({ "run": run }))),
        one(
            tucan_model::webhook::TEST_EVENT,
            object(json!({ "endpoint_id": id, "message": id })),
        ),
        event(
            json!({ "type": "string", "pattern": "^custom\\.[a-z0-9._-]{1,64}$" }),
            object(json!({
                "run_id": id, "flow_id": id, "contact_id": maybe, "ticket_id": maybe,
                "data": { "type": "object", "additionalProperties": { "type": "string" } },
            })),
        ),
    ];
    let defs: serde_json::Map<String, Value> =
        generator.take_definitions(true).into_iter().collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "TucanLink webhook event",
        "description": "The body of every call TucanLink's outgoing webhooks make (Standard Webhooks envelope).",
        "oneOf": events,
        "$defs": defs,
    })
}

#[cfg(test)]
mod tests {
    /// `schemas/webhook-events.schema.json` is generated from the types; `UPDATE_SCHEMAS=1`
    /// rewrites it.
    #[test]
    fn events_schema_file_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../schemas/webhook-events.schema.json");
        let generated = format!(
            "{}\n",
            serde_json::to_string_pretty(&super::events_schema()).unwrap()
        );
        if std::env::var_os("UPDATE_SCHEMAS").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == generated,
            "schemas/webhook-events.schema.json is out of date: run the tests with UPDATE_SCHEMAS=1"
        );
    }
}
