//! The trait's contract through every way a caller may hold a source, plus federation and the
//! conformance kit over `MemorySource`.

use std::sync::Arc;

use conversations_core::testkit::{Conformance, Outcome};
use conversations_core::{
    ApiErrorDetails, Capabilities, Channel, ConversationQuery, ConversationSource,
    ConversationSourceExt, Cursor, Error, Federation, Filter, MemorySource, PageSizeBounds,
};
use futures::{StreamExt, TryStreamExt};

#[tokio::test]
async fn object_safe_in_box_and_arc() {
    let boxed: Box<dyn ConversationSource> = Box::new(MemorySource::demo(9));
    let shared: Arc<dyn ConversationSource> = Arc::new(MemorySource::demo(9));
    let a: Vec<_> = boxed
        .list(ConversationQuery::new().page_size(4))
        .try_collect()
        .await
        .unwrap();
    let b: Vec<_> = shared
        .list(ConversationQuery::new().page_size(4))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(a.len(), 9);
    // A Box<dyn …> is itself a source, so it nests (e.g. into federation).
    let nested: Arc<dyn ConversationSource> = Arc::new(boxed);
    assert_eq!(nested.provider(), "memory");
}

#[tokio::test]
async fn invalid_queries_send_nothing() {
    let source = MemorySource::demo(5).with_capabilities(
        Capabilities::new()
            .requires(Filter::ExternalId)
            .paged(PageSizeBounds::new(1, 10, 5)),
    );
    for query in [
        ConversationQuery::new(),
        ConversationQuery::new().external_id("ext-1").channel("api"),
        ConversationQuery::new().external_id("ext-1").page_size(11),
        ConversationQuery::new().external_id("\u{7}"),
    ] {
        let err = source
            .list(query)
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidQuery { .. }), "{err}");
    }
    assert_eq!(source.requests(), 0);
}

#[tokio::test]
async fn foreign_cursor_is_a_pagination_error() {
    let source = MemorySource::demo(5);
    for bad in ["nope", "mem1:x:1", "mem1:n:99", "mem1:n:-1"] {
        let err = source
            .fetch_page(&ConversationQuery::new(), Some(&Cursor::new(bad)))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Pagination { .. }), "{bad}: {err}");
    }
}

#[tokio::test]
async fn memory_source_passes_the_conformance_kit() {
    let source = MemorySource::demo(40);
    let report = Conformance::new(&source, source.items().to_vec())
        .run()
        .await;
    report.assert_passed();
    assert!(report.checks.len() > 20, "{report}");
}

#[tokio::test]
async fn conformance_kit_covers_required_filters_and_one_page_sources() {
    let source =
        MemorySource::demo(40).with_capabilities(Capabilities::new().requires(Filter::ExternalId));
    let report = Conformance::new(&source, source.items().to_vec())
        .run()
        .await;
    report.assert_passed();
    let names: Vec<_> = report.checks.iter().map(|c| c.name.as_str()).collect();
    assert!(names.contains(&"missing required filter external_id refused"));
    assert!(names.contains(&"unsupported filter channel refused"));
    assert!(
        report
            .checks
            .iter()
            .any(|c| matches!(c.outcome, Outcome::NotApplicable(_)))
    );
}

#[tokio::test]
async fn conformance_kit_catches_a_broken_source() {
    /// Claims to support channel filtering but ignores it: a silent wrong answer.
    struct IgnoresChannel(MemorySource);

    #[async_trait::async_trait]
    impl ConversationSource for IgnoresChannel {
        fn provider(&self) -> &str {
            "broken"
        }
        fn capabilities(&self) -> Capabilities {
            self.0.capabilities()
        }
        async fn list_page(
            &self,
            query: &ConversationQuery,
            cursor: Option<&Cursor>,
        ) -> conversations_core::Result<conversations_core::Page<conversations_core::Conversation>>
        {
            let mut query = query.clone();
            query.channel = None;
            self.0.list_page(&query, cursor).await
        }
    }

    let inner = MemorySource::demo(20);
    let dataset = inner.items().to_vec();
    let report = Conformance::new(&IgnoresChannel(inner), dataset)
        .run()
        .await;
    assert!(!report.passed());
    assert!(
        report
            .failures()
            .any(|c| c.name.starts_with("filter channel"))
    );
}

#[tokio::test]
async fn federation_tags_items_and_errors_and_can_fail_fast() {
    let broken = MemorySource::new("broken", vec![]);
    broken.fail_next(Error::from_status(
        "broken",
        ApiErrorDetails::new(403).request_id("r-1"),
        None,
    ));
    let good = MemorySource::new("good", conversations_core::demo_conversations("good", 30));
    let federation = Federation::new()
        .source(Arc::new(broken.clone()), ConversationQuery::new())
        .source(
            Arc::new(good.clone()),
            ConversationQuery::new()
                .channel(Channel::Whatsapp)
                .page_size(3),
        );
    let items: Vec<_> = federation.list().collect().await;
    let errors: Vec<_> = items.iter().filter(|i| i.result.is_err()).collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(&*errors[0].source, "broken");
    assert_eq!(
        errors[0].result.as_ref().unwrap_err().request_id(),
        Some("r-1")
    );
    let ok: Vec<_> = items
        .iter()
        .filter_map(|i| i.result.as_ref().ok())
        .collect();
    assert_eq!(ok.len(), 8);
    assert!(ok.iter().all(|c| c.provider == "good"));

    broken.fail_next(Error::from_status(
        "broken",
        ApiErrorDetails::new(403),
        None,
    ));
    let fast: Vec<_> = federation.clone().fail_fast(true).list().collect().await;
    assert!(fast.last().unwrap().result.is_err());
    assert!(fast.len() < items.len());
}
