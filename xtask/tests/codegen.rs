//! `cargo xtask codegen` as tests: the derived files are fresh, the loop from vendor page to
//! Rust works with no hand edit, and every guard fails with a clear message.

use std::fs;
use std::path::Path;

use xtask::asapp::{self, extract_openapi, generate, lint};
use xtask::{DERIVED, REFRESH_HINT, check, project_root};

fn page() -> String {
    fs::read_to_string(project_root().join(asapp::PAGE_PATH)).expect("the vendor page")
}

/// The same check as `cargo xtask codegen --check`.
#[test]
fn derived_files_are_fresh() {
    if let Err(e) = check(&project_root()) {
        panic!("{e}");
    }
}

#[test]
fn extraction_is_byte_for_byte_after_the_header() {
    let page = page();
    let yaml = extract_openapi(&page).expect("one fence");
    let body = yaml
        .strip_prefix(asapp::YAML_HEADER)
        .expect("the header comes first");
    let start = page.find("````yaml").expect("fence");
    let content_start = start + page[start..].find('\n').expect("newline") + 1;
    let content_end = content_start + page[content_start..].find("\n````").expect("close") + 1;
    assert_eq!(body, &page[content_start..content_end]);
    assert!(body.starts_with("openapi: 3.0.1\n"));
}

#[test]
fn extraction_needs_exactly_one_yaml_fence() {
    let none = extract_openapi("# A page\n\n```json\n{}\n```\n").expect_err("no fence");
    assert!(none.0.contains("found no ```yaml fence"), "{none}");

    let two = format!("{}\n```yaml\nopenapi: 3.0.1\n```\n", page());
    let err = extract_openapi(&two).expect_err("two fences");
    assert!(err.0.contains("found 2 ```yaml fences"), "{err}");

    let open = extract_openapi("````yaml\nopenapi: 3.0.1\n").expect_err("unclosed");
    assert!(open.0.contains("never closed"), "{open}");

    // A shorter backtick line inside a four-backtick fence does not close it.
    let nested = extract_openapi("````yaml\na: |\n  ```\nb: 1\n````\n").expect("one fence");
    assert_eq!(nested, format!("{}a: |\n  ```\nb: 1\n", asapp::YAML_HEADER));
}

#[test]
fn lint_refuses_openapi_3_1_and_missing_operation_ids() {
    let yaml = extract_openapi(&page()).expect("one fence");
    let v31 = yaml.replace("openapi: 3.0.1", "openapi: 3.1.0");
    let err = lint(&v31, "x.yaml").expect_err("3.1");
    assert!(err.0.contains("OpenAPI 3.1.0 is not supported"), "{err}");
    assert!(err.0.contains("3.0.x"), "{err}");

    let anonymous = yaml.replace("      operationId: getConversations\n", "");
    let err = lint(&anonymous, "x.yaml").expect_err("no operationId");
    assert!(
        err.0
            .contains("GET /conversation/v1/conversations has no operationId"),
        "{err}"
    );
    lint(&yaml, "x.yaml").expect("the real document lints");
}

/// The loop, in memory: one more optional property on the vendor page's item schema shows
/// up as a field of the generated `Conversation`, through the same functions as the build.
#[test]
fn a_new_property_on_the_page_reaches_the_generated_rust() {
    let page = page();
    let anchor = "                      properties:\n                        id:\n";
    assert_eq!(
        page.matches(anchor).count(),
        1,
        "the item schema's properties"
    );
    let changed = page.replace(
        anchor,
        "                      properties:\n                        channel:\n                          type: string\n                          description: The channel.\n                        id:\n",
    );
    let before = generate(&extract_openapi(&page).expect("fence")).expect("generates");
    let after = generate(&extract_openapi(&changed).expect("fence")).expect("generates");
    let field = "pub channel: ::std::option::Option<::std::string::String>";
    assert!(!before.contains(field));
    let start = after
        .find("pub struct Conversation {")
        .expect("the Conversation struct");
    let end = start + after[start..].find("\n    }\n").expect("its end");
    assert!(after[start..end].contains(field), "{}", &after[start..end]);
}

#[test]
fn error_envelopes_that_differ_beyond_annotations_fail_the_build() {
    let page = page();
    // Make the 404 envelope's requestId an integer: a real difference.
    let marker = "                      code: 404-01\n";
    let at = page.find(marker).expect("the 404 example");
    let rest = &page[at..];
    let needle = "                      requestId:\n                        type: string\n";
    let offset = at + rest.find(needle).expect("its requestId");
    let mut changed = page.clone();
    changed.replace_range(
        offset..offset + needle.len(),
        "                      requestId:\n                        type: integer\n",
    );
    let err = generate(&extract_openapi(&changed).expect("fence")).expect_err("differs");
    assert!(
        err.0
            .contains("cannot hoist the error responses into one ErrorEnvelope"),
        "{err}"
    );
    assert!(
        err.0.contains("get /conversation/v1/conversations 404"),
        "{err}"
    );

    // Descriptions and examples may differ: the real page's do.
    generate(&extract_openapi(&page).expect("fence")).expect("generates");
}

/// What progenitor 0.15.1 does with this document without the in-memory rewrites; if one of
/// these starts failing, progenitor changed and the rewrites in codegen/mod.rs may be revisited.
#[test]
fn progenitor_needs_the_rewrites() {
    let yaml = extract_openapi(&page()).expect("fence");
    let run = |doc: &serde_json::Value| {
        let spec: openapiv3::OpenAPI = serde_json::from_value(doc.clone()).expect("openapi");
        std::panic::catch_unwind(move || {
            let mut generator =
                progenitor::Generator::new(&progenitor::GenerationSettings::default());
            generator
                .generate_tokens(&spec)
                .map(|tokens| prettyplease::unparse(&syn::parse2(tokens).expect("parses")))
        })
    };
    let untouched: serde_json::Value = serde_yaml_ng::from_str(&yaml).expect("yaml");

    // As published, progenitor generates code, but wrong code: every inline response schema
    // is named `GetConversationsResponse`, the first one registered (`default`, the error
    // envelope) wins, and the 200 answer is typed as that error envelope, so a successful
    // list would decode to `{error: None}` and drop every item, silently.
    let code = match run(&untouched) {
        Ok(Ok(code)) => code,
        other => panic!(
            "progenitor's behaviour changed: {:?}",
            other.map(|r| r.err())
        ),
    };
    let start = code
        .find("pub struct GetConversationsResponse {")
        .expect("the response type");
    let body = &code[start..start + code[start..].find('}').expect("end")];
    assert!(
        body.contains("pub error:") && !body.contains("pub items:"),
        "{body}"
    );
    assert!(code.contains(
        "ResponseValue<types::GetConversationsResponse>,\n        Error<types::GetConversationsResponse>,"
    ));

    // With the schemas hoisted but `default` kept, progenitor counts `default` as a second
    // success type and panics (`assertion failed: response_types.len() <= 1`, progenitor#344,
    // #950): hence the split into 4XX/5XX.
    let mut rewritten = untouched.clone();
    asapp::rewrite(&mut rewritten).expect("rewrites");
    let responses = rewritten
        .pointer_mut("/paths/~1conversation~1v1~1conversations/get/responses")
        .and_then(serde_json::Value::as_object_mut)
        .expect("responses");
    let default = responses.remove("5XX").expect("5XX");
    responses.remove("4XX");
    responses.insert("default".to_owned(), default);
    assert!(
        run(&rewritten).is_err(),
        "progenitor accepts a typed default now"
    );
}

/// A temporary tree holding the vendor page and every file derived from it, copied from the
/// project: fresh (checked here), for a test to perturb.
fn fresh_copy() -> tempfile::TempDir {
    let temp = tempfile::tempdir().expect("temp dir");
    let root = temp.path();
    let copy = |path: &str| {
        let to = root.join(path);
        fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        fs::copy(project_root().join(path), &to).expect("copy");
    };
    copy(asapp::PAGE_PATH);
    for derived in DERIVED {
        copy(derived.path);
    }
    check(root).expect("a faithful copy is fresh");
    temp
}

#[test]
fn a_perturbed_copy_is_reported_stale_with_a_diff_and_the_command() {
    let temp = fresh_copy();
    let root = temp.path();

    let page_path = root.join(asapp::PAGE_PATH);
    let page = fs::read_to_string(&page_path).expect("page");
    fs::write(
        &page_path,
        page.replace(
            "description: The display name of the agent.",
            "description: The display name of the human agent.",
        ),
    )
    .expect("perturb");
    let err = check(root).expect_err("stale").0;
    assert!(err.contains("specs/asapp/openapi.yaml is stale"), "{err}");
    assert!(
        err.contains("crates/asapp-gen/openapi.yaml is stale"),
        "{err}"
    );
    assert!(
        err.contains("crates/asapp-gen/generated/asapp_client.rs is stale"),
        "{err}"
    );
    assert!(
        err.contains("-                              description: The display name of the agent."),
        "{err}"
    );
    assert!(
        err.contains(
            "+                              description: The display name of the human agent."
        ),
        "{err}"
    );
    assert!(
        err.contains("+        ///The display name of the human agent."),
        "{err}"
    );
    assert!(err.trim_end().ends_with(REFRESH_HINT), "{err}");

    // `codegen` refreshes the copy, after which it is fresh again.
    xtask::codegen(root).expect("regenerates");
    check(root).expect("fresh after codegen");
    assert!(
        fs::read_to_string(root.join(asapp::OPENAPI_PATH))
            .expect("yaml")
            .contains("The display name of the human agent.")
    );
    assert!(!Path::new(&root.join("specs/autocalls/openapi.yaml")).exists());
}

#[test]
fn the_conversation_schema_starts_with_its_comment() {
    let derived = DERIVED
        .iter()
        .find(|d| d.path == xtask::SCHEMA_PATH)
        .expect("the schema is derived");
    let schema = (derived.render)(&project_root()).expect("renders");
    assert!(
        schema.starts_with(
            "{\n  \"$comment\": \"@generated by cargo xtask codegen; do not edit\",\n"
        )
    );
    let value: serde_json::Value = serde_json::from_str(&schema).expect("json");
    assert_eq!(value["title"], "Conversation");
}

/// asapp-gen's `build.rs` reads the document from inside the crate, or the crate would not
/// build from its published package: that copy is the source in `specs/`, byte for byte.
#[test]
fn the_openapi_document_lives_inside_the_crate_whose_build_reads_it() {
    let root = project_root();
    let from_crate = root.join("crates/asapp-gen").join(asapp::OPENAPI_FILE);
    assert_eq!(from_crate, root.join(asapp::PACKAGED_OPENAPI_PATH));
    assert!(from_crate.is_file(), "{}", from_crate.display());
    assert_eq!(asapp::OPENAPI_PATH, "specs/asapp/openapi.yaml");
    assert_eq!(
        fs::read(&from_crate).expect("the packaged copy"),
        fs::read(root.join(asapp::OPENAPI_PATH)).expect("the source in specs/"),
    );
}

/// The source in `specs/` and its packaged copy are both derived: a hand edit to either one
/// alone is a drift that `--check` names, and `codegen` puts both back.
#[test]
fn a_drift_of_the_openapi_source_or_its_packaged_copy_fails_the_check() {
    let temp = fresh_copy();
    let root = temp.path();

    for (edited, fresh) in [
        (asapp::PACKAGED_OPENAPI_PATH, asapp::OPENAPI_PATH),
        (asapp::OPENAPI_PATH, asapp::PACKAGED_OPENAPI_PATH),
    ] {
        let path = root.join(edited);
        let yaml = fs::read_to_string(&path).expect("yaml");
        fs::write(&path, format!("{yaml}# a hand edit\n")).expect("drift");
        let err = check(root).expect_err("drifted").0;
        assert!(err.contains(&format!("{edited} is stale")), "{err}");
        assert!(!err.contains(&format!("{fresh} is stale")), "{err}");
        assert!(err.contains("-# a hand edit"), "{err}");
        assert!(err.trim_end().ends_with(REFRESH_HINT), "{err}");
        xtask::codegen(root).expect("regenerates");
        check(root).expect("fresh after codegen");
        assert_eq!(
            fs::read(root.join(asapp::OPENAPI_PATH)).expect("source"),
            fs::read(root.join(asapp::PACKAGED_OPENAPI_PATH)).expect("copy"),
        );
    }
}

/// Adding a subcommand without listing its man page in `DERIVED` fails here.
#[test]
fn every_subcommand_has_a_man_page_in_the_derived_files() {
    let expected: Vec<String> = xtask::man::pages()
        .into_iter()
        .map(|(file, _)| format!("{}/{file}", xtask::man::MAN_DIR))
        .collect();
    let listed: Vec<String> = DERIVED
        .iter()
        .filter(|d| d.path.starts_with(xtask::man::MAN_DIR))
        .map(|d| d.path.to_owned())
        .collect();
    assert_eq!(listed, expected);
    for derived in DERIVED.iter().filter(|d| d.path.ends_with(".1")) {
        let page = (derived.render)(&project_root()).expect("renders");
        assert!(page.contains(".SH NAME"), "{}", derived.path);
    }
}

#[test]
fn a_stale_man_page_is_reported_with_a_diff_and_the_command() {
    let temp = tempfile::tempdir().expect("temp dir");
    let root = temp.path();
    for path in std::iter::once(asapp::PAGE_PATH).chain(DERIVED.iter().map(|d| d.path)) {
        let to = root.join(path);
        fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        fs::copy(project_root().join(path), &to).expect("copy");
    }
    check(root).expect("a faithful copy is fresh");

    // A page edited by hand (or left behind by a change to the CLI's flags) is stale.
    let page = root.join("crates/conversations-cli/man/conversations-list.1");
    let text = fs::read_to_string(&page).expect("page");
    fs::write(&page, text.replace("csv\\-raw", "csv\\-cooked")).expect("perturb");
    let err = check(root).expect_err("stale").0;
    assert!(
        err.contains("crates/conversations-cli/man/conversations-list.1 is stale"),
        "{err}"
    );
    assert!(err.contains("+\\fB\\-\\-csv\\-raw\\fR"), "{err}");
    assert!(err.trim_end().ends_with(REFRESH_HINT), "{err}");
    xtask::codegen(root).expect("regenerates");
    check(root).expect("fresh after codegen");

    // A missing page is stale too.
    fs::remove_file(&page).expect("remove");
    let err = check(root).expect_err("missing").0;
    assert!(err.contains("conversations-list.1 is stale"), "{err}");
}
