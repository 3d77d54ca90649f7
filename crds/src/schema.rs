//! Touch-ups of the generated schema so that `kubectl explain` reads well.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    JSONSchemaProps, JSONSchemaPropsOrArray, JSONSchemaPropsOrBool,
};
use serde_json::Value;

/// Field transform for an `Option<Enum>` field: keep the field's doc comment
/// as its description.
///
/// schemars describes such a field as `anyOf: [<enum>, null]` with the
/// field's description beside it; kube's `OptionalEnum` rewrite then
/// flattens the `anyOf` and the enum type's own description would overwrite
/// the field's. Dropping the branch's description keeps the field's.
pub(crate) fn field_doc_wins(schema: &mut schemars::Schema) {
    if let Some(branches) = schema.get_mut("anyOf").and_then(Value::as_array_mut) {
        for branch in branches.iter_mut().filter_map(Value::as_object_mut) {
            branch.remove("description");
        }
    }
}

/// Field transform: drop the schema's `default`. For a field whose serde
/// default is an empty string: a 1.20 API server reads `default: ""` as
/// null and refuses the CRD ("must be of type string").
pub(crate) fn no_default(schema: &mut schemars::Schema) {
    schema.remove("default");
}

/// Tidy a generated schema for `kubectl explain` and the 1.20 API server:
///
/// * join the lines of every `description`: doc comments are wrapped at ~80
///   columns and `kubectl explain` wraps text itself, so a single newline
///   becomes a space; a blank line (a paragraph break) stays. (The embedded
///   Kubernetes types' descriptions have no single newlines.)
/// * drop `nullable: true` (schemars' mark of an `Option`): the API server
///   publishes a nullable field without its type in OpenAPI v2, so
///   `kubectl explain` shows it as `<>` and cannot descend into it. Our
///   types never send `null` (every `Option` is skipped when `None`), and
///   without `nullable` the API server prunes a `null` someone else sends.
pub(crate) fn tidy(schema: &mut JSONSchemaProps) {
    visit(schema, &mut |node| {
        if let Some(text) = &mut node.description {
            *text = unwrap_lines(text);
        }
        node.nullable = None;
    });
}

/// Call `f` on every schema node of the tree, parents first.
fn visit(schema: &mut JSONSchemaProps, f: &mut impl FnMut(&mut JSONSchemaProps)) {
    f(schema);
    let maps = [&mut schema.properties, &mut schema.pattern_properties, &mut schema.definitions];
    for child in maps.into_iter().flatten().flat_map(|map| map.values_mut()) {
        visit(child, f);
    }
    let lists = [&mut schema.all_of, &mut schema.any_of, &mut schema.one_of];
    for child in lists.into_iter().flatten().flat_map(|list| list.iter_mut()) {
        visit(child, f);
    }
    match &mut schema.items {
        Some(JSONSchemaPropsOrArray::Schema(item)) => visit(item, f),
        Some(JSONSchemaPropsOrArray::Schemas(items)) => items.iter_mut().for_each(|item| visit(item, f)),
        None => {}
    }
    for nested in [&mut schema.additional_properties, &mut schema.additional_items] {
        if let Some(JSONSchemaPropsOrBool::Schema(nested)) = nested {
            visit(nested, f);
        }
    }
    if let Some(not) = &mut schema.not {
        visit(not, f);
    }
}

/// Lines of a paragraph joined by spaces; paragraphs kept apart by a blank line.
fn unwrap_lines(text: &str) -> String {
    text.split("\n\n")
        .map(|paragraph| paragraph.split('\n').map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn single_newlines_become_spaces_paragraphs_stay() {
        assert_eq!(unwrap_lines("one\ntwo\n\nthree\nfour"), "one two\n\nthree four");
        assert_eq!(unwrap_lines("no newline"), "no newline");
    }

    #[test]
    fn tidy_reaches_every_node() {
        let mut schema: JSONSchemaProps = serde_json::from_value(json!({
            "description": "a\nb",
            "type": "object",
            "properties": {"x": {"description": "c\nd", "type": "array", "pattern": "g\nh", "nullable": true,
                "items": {"description": "i\nj", "type": "object",
                    "additionalProperties": {"description": "k\nl", "type": "string", "nullable": true}}}},
            "oneOf": [{"description": "m\nn"}]
        }))
        .expect("schema");
        tidy(&mut schema);
        assert_eq!(
            serde_json::to_value(&schema).expect("json"),
            json!({
                "description": "a b",
                "type": "object",
                "properties": {"x": {"description": "c d", "type": "array", "pattern": "g\nh",
                    "items": {"description": "i j", "type": "object",
                        "additionalProperties": {"description": "k l", "type": "string"}}}},
                "oneOf": [{"description": "m n"}]
            })
        );
    }

    #[test]
    fn field_doc_wins_drops_branch_descriptions_only() {
        let mut schema: schemars::Schema = json!({
            "description": "field",
            "anyOf": [{"description": "type", "type": "string", "enum": ["a"]}, {"type": "null"}]
        })
        .try_into()
        .expect("schema");
        field_doc_wins(&mut schema);
        assert_eq!(
            schema.to_value(),
            json!({"description": "field", "anyOf": [{"type": "string", "enum": ["a"]}, {"type": "null"}]})
        );
    }
}
