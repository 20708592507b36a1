//! The tools' names, descriptions, input schemas (generated from the argument types, so they
//! cannot drift from what the tools accept) and annotations.

use std::sync::Arc;

use rmcp::handler::server::common::{schema_for_input, schema_for_type};
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;

use super::catalog::{GetProductArgs, LookupArgs, SearchArgs};
use super::converse::ConverseArgs;
use super::recommend::RecommendArgs;
use super::shopper::{EventArgs, NoArgs, UpdateArgs};

/// Every tool, in the order `tools/list` gives them.
pub(crate) const NAMES: [&str; 10] = [
    "search_catalog",
    "lookup_catalog",
    "get_product",
    "recommend",
    "converse",
    "get_shopper_profile",
    "update_shopper_profile",
    "export_shopper_profile",
    "erase_shopper_profile",
    "record_event",
];

/// Where each shopper tool's description points an agent for the token.
const TOKEN: &str = "Needs the shopper's token in the Authorization header (`Bearer <token>`, the `shopper` that \
                     `converse` returns), never in the arguments; without a valid one the result is an \
                     `unauthorized` tool error.";

/// The tool definitions `tools/list` answers with.
pub(crate) fn list() -> Vec<Tool> {
    let read_only = |title: &str| {
        ToolAnnotations::with_title(title).read_only(true).destructive(false).idempotent(true).open_world(false)
    };
    vec![
        tool::<SearchArgs>(
            "search_catalog",
            "Search the shop's catalog (UCP catalog search). Filters are hard: price range in minor units, \
             availability, brands, categories. Context (intent, recipient, occasion) ranks but never filters. \
             Products come in UCP shape with concierge's `why` lines and the `signals` behind them. Page with \
             `pagination.cursor` from the previous page.",
        )
        .annotate(read_only("Search the catalog")),
        tool::<LookupArgs>(
            "lookup_catalog",
            "Look up to 50 products by id (UCP catalog lookup). Unknown ids are reported in `messages`.",
        )
        .annotate(read_only("Look up products")),
        tool::<GetProductArgs>("get_product", "One product by id, with its full description.")
            .annotate(read_only("Get a product")),
        tool::<RecommendArgs>(
            "recommend",
            "Explained recommendations for a shopper's intent (who it is for, budget, interests, occasion, \
             exclusions, placement), ranked exactly as concierge's chat ranks them; every `why` line comes from a \
             signal. With the shopper's token in the Authorization header and their consent, what they told the \
             shop before fills what the intent leaves open.",
        )
        .annotate(read_only("Recommend products")),
        tool::<ConverseArgs>(
            "converse",
            "One turn of a conversation with the shop's assistant: say the shopper's `message` (or a quick reply) \
             and get the assistant's `reply`, what it is `asking` (answer it with the next message), `quick_replies`, \
             what it knows (`slots`) and `products` with their `why` lines. Pass `session` back to continue. Without a \
             token in the Authorization header a new shopper starts: keep the returned `shopper` token and send it \
             as `Authorization: Bearer <token>` on later calls. A shopper may ask to forget facts or erase \
             everything (confirmed in the conversation).",
        )
        .annotate(
            ToolAnnotations::with_title("Talk to the shop's assistant")
                .read_only(false)
                .destructive(true)
                .idempotent(false)
                .open_world(false),
        ),
        tool::<NoArgs>("get_shopper_profile", "What the shop knows about the shopper and where each fact came from.")
            .annotate(read_only("Read the shopper's profile")),
        tool::<UpdateArgs>(
            "update_shopper_profile",
            "Edit or remove the shopper's declared facts (purpose, recipient, age, occasion, budget, interests, \
             exclude), recorded with the source `agent`, and set consent (`personalization: false` stops every use \
             of the profile; `notices: true` agrees to proactive notices such as shipping delays and back in \
             stock, off until given). All or nothing: a bad value changes nothing.",
        )
        .annotate(
            ToolAnnotations::with_title("Update the shopper's profile")
                .read_only(false)
                // `null` removes a fact: not only additive.
                .destructive(true)
                .idempotent(true)
                .open_world(false),
        ),
        tool::<NoArgs>("export_shopper_profile", "Everything stored about the shopper, as JSON.")
            .annotate(read_only("Export the shopper's data")),
        tool::<NoArgs>(
            "erase_shopper_profile",
            "Erase everything stored about the shopper, for good; their token names no one afterwards.",
        )
        .annotate(
            ToolAnnotations::with_title("Erase the shopper's data")
                .read_only(false)
                .destructive(true)
                .idempotent(true)
                .open_world(false),
        ),
        tool::<EventArgs>(
            "record_event",
            "Record one thing the shopper did (`product_viewed`, `search`, `add_to_cart`, ...), as the widget does; \
             nothing is recorded without their consent.",
        )
        .annotate(
            ToolAnnotations::with_title("Record a shopper event")
                .read_only(false)
                .destructive(false)
                .idempotent(false)
                .open_world(false),
        ),
    ]
    .into_iter()
    .map(|tool| if tool.name.contains("shopper") || tool.name == "record_event" { with_token_note(tool) } else { tool })
    .collect()
}

/// The tool with the token rule added to its description.
fn with_token_note(mut tool: Tool) -> Tool {
    let description = tool.description.take().unwrap_or_default();
    tool.description = Some(format!("{description} {TOKEN}").into());
    tool
}

fn tool<T: JsonSchema + 'static>(name: &'static str, description: &'static str) -> Tool {
    Tool::new(name, description, schema::<T>())
}

/// The input schema of `T`; the plain schema if rmcp finds it unfit as an input schema (a
/// unit test checks every tool's schema is a proper object schema).
fn schema<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    let schema = schema_for_input::<T>().unwrap_or_else(|_| schema_for_type::<T>());
    if schema.contains_key("properties") {
        return schema;
    }
    // A tool without arguments still lists `properties`, which some clients require.
    let mut schema = schema.as_ref().clone();
    schema.insert("properties".into(), serde_json::json!({}));
    Arc::new(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_is_listed_once_with_an_object_schema() {
        let tools = list();
        let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
        assert_eq!(names, NAMES);
        for tool in &tools {
            assert_eq!(tool.input_schema.get("type").and_then(|t| t.as_str()), Some("object"), "{}", tool.name);
            assert!(tool.input_schema.get("properties").is_some(), "{}", tool.name);
            assert!(tool.description.as_ref().is_some_and(|d| !d.is_empty()));
        }
    }

    #[test]
    fn catalog_tools_are_read_only_and_only_tools_that_can_remove_facts_are_destructive() {
        for tool in list() {
            let annotations = tool.annotations.unwrap();
            if ["search_catalog", "lookup_catalog", "get_product", "recommend"].contains(&tool.name.as_ref()) {
                assert_eq!(annotations.read_only_hint, Some(true), "{}", tool.name);
            }
            // Erasing, and what can remove facts: an update's `null`, "forget ..." in a conversation.
            let destructive =
                ["erase_shopper_profile", "update_shopper_profile", "converse"].contains(&tool.name.as_ref());
            assert_eq!(annotations.destructive_hint, Some(destructive), "{}", tool.name);
        }
    }

    #[test]
    fn shopper_tools_say_where_the_token_goes_and_take_no_token_argument() {
        for tool in list().into_iter().filter(|t| t.name.contains("shopper") || t.name == "record_event") {
            assert!(tool.description.as_deref().unwrap_or_default().contains("Authorization"), "{}", tool.name);
            let properties =
                tool.input_schema.get("properties").and_then(|p| p.as_object()).cloned().unwrap_or_default();
            assert!(properties.keys().all(|k| !k.contains("token") && k != "shopper"), "{}", tool.name);
        }
    }
}
