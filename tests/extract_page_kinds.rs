//! Kinds of page that once lost their body or kept furniture: each must give the article's
//! paragraphs, all of them, and none of the page's furniture. Fixtures are small pages written
//! for these tests (fixtures/text/), one per kind.

mod common;

use emend::extract::{Options, extract};

fn text_of(fixture: &str) -> String {
    let html = common::fixture_text(&format!("text/{fixture}"));
    extract(&html, &Options::default()).text
}

fn assert_page(fixture: &str, kept: &[&str], dropped: &[&str]) {
    let text = text_of(fixture);
    for k in kept {
        assert!(text.contains(k), "{fixture}: lost {k:?} from\n{text}");
    }
    for d in dropped {
        assert!(!text.contains(d), "{fixture}: kept {d:?} in\n{text}");
    }
}

#[test]
fn page_builder_wrappers_named_like_furniture_keep_the_body() {
    assert_page(
        "page_builder.html",
        &[
            "The old brick oven behind the bakery",
            "We spent the spring taking it apart",
            "The new floor is a single layer of clay tiles",
            "by midsummer the first sourdough came out",
        ],
        &["Ten tips for crusty rolls", "All rights reserved"],
    );
}

#[test]
fn mid_article_ad_slot_cuts_out_only_the_ad() {
    assert_page(
        "ad_slot.html",
        &[
            "River levels across the valley dropped",
            "Farmers who draw water for their cattle",
            "The water authority said it would not yet",
            "Anglers have been asked to stop fishing",
        ],
        &["Cheap flights", "Advertisement", "About us"],
    );
}

#[test]
fn body_split_over_sibling_sections_is_kept_whole() {
    assert_page(
        "split_sections.html",
        &[
            "An unpruned apple tree spends its strength",
            "Apples and pears are pruned in winter",
            "Summer: plums, cherries, apricots, peaches.",
            "Take out no more than a fifth of the canopy",
            "A sharp pair of bypass secateurs",
        ],
        &["Sign up for our newsletter"],
    );
}

#[test]
fn product_cards_that_are_the_content_are_kept() {
    assert_page(
        "roundup.html",
        &[
            "We wore every jacket on this list",
            "It kept us dry through a full afternoon",
            "At a third of the price of our top pick",
            "A dropped tail covers the seat",
            "The three-layer fabric shrugged off",
            "Taped seams, a hood that stays on",
            "Made from recycled bottles",
        ],
        &["The best walking boots", "You might also like"],
    );
}

#[test]
fn hidden_blocks_are_not_article_text() {
    assert_page(
        "hidden_blocks.html",
        &[
            "The central library will stay open",
            "The longer hours are paid for",
            "Students preparing for exams welcomed the change",
        ],
        &[
            "Council approves new budget",
            "Swimming pool closes",
            "Bus timetable changes",
            "School term dates",
        ],
    );
}

#[test]
fn reader_poll_and_text_ads_beside_a_short_story_are_left_out() {
    assert_page(
        "poll_short_story.html",
        &[
            "The morning ferry to the mainland ran again",
            "Islanders had relied on a smaller chartered boat",
        ],
        &[
            "Reader poll",
            "queues are far too long",
            "votes so far",
            "island cottage",
        ],
    );
}

#[test]
fn body_in_repeated_sections_named_like_furniture_is_kept_whole() {
    // Each section holds a quarter of the prose and is named "top": together they are the body.
    assert_page(
        "repeated_sections.html",
        &[
            "A mixed native hedge gives birds berries",
            "Hawthorn makes the backbone",
            "Clear a strip about a metre wide",
            "Plant bare-root whips between November and March",
        ],
        &["Sign up to our weekly letter", "Copyright 2025"],
    );
}

#[test]
fn collapsed_panels_opened_by_a_control_are_kept_other_hidden_text_is_not() {
    assert_page(
        "accordion.html",
        &[
            "A week on the canals is slower",
            "No licence is needed for a hire boat",
            "Most crews manage ten to fifteen locks",
            "Book early for the summer holidays",
        ],
        &["best waterside pubs"],
    );
}

#[test]
fn text_shipped_once_per_screen_size_is_kept_once() {
    let text = text_of("responsive_copies.html");
    for k in [
        "How big a barrel do you need",
        "Two linked barrels of two hundred litres",
        "Set the barrel on a firm stand",
    ] {
        assert_eq!(text.matches(k).count(), 1, "{k:?} in\n{text}");
    }
}

#[test]
fn a_page_of_link_tiles_still_has_text() {
    // No article, only tiles and filters: their lines are the page's text, never nothing.
    assert_page(
        "link_tiles.html",
        &["Corner Bakery", "Riverside Florist"],
        &["Copyright 2025"],
    );
}

#[test]
fn headings_left_dangling_at_the_end_go_with_their_link_lists() {
    assert_page(
        "dangling_heading.html",
        &["Take the wheel out", "press the patch on hard."],
        &["Related posts", "More repair guides", "Choosing a lock"],
    );
}

#[test]
fn call_to_action_box_inside_the_article_is_left_out() {
    assert_page(
        "cta_box.html",
        &[
            "Pricing a plumbing job is not only a sum",
            "Start from your hourly rate",
            "Review your price book every quarter",
        ],
        &[
            "quote jobs in half the time",
            "thirty days",
            "Start free trial",
        ],
    );
}

#[test]
fn streamed_parts_swapped_into_placeholders_are_kept() {
    // Streamed server rendering ships the body hidden beside placeholders a script fills.
    assert_page(
        "streamed.html",
        &[
            "A compost heap turns kitchen peelings",
            "Pick a spot on bare earth",
            "Mix green and brown layers",
            "Turn the heap with a fork",
        ],
        &["ten houseplants", "About us"],
    );
}

#[test]
fn cards_each_in_a_bare_wrapper_are_kept_as_the_content() {
    // Every card sits in a wrapper of its own: they are siblings under the section all the same.
    assert_page(
        "wrapped_cards.html",
        &[
            "Five bakeries opened in the city",
            "Dark rye loaves with caraway",
            "cardamom buns still warm",
            "Sourdough in six kinds",
            "three sisters who bake",
            "Small loaves for small households",
        ],
        &["About us"],
    );
}

#[test]
fn pitches_and_disclosures_closing_the_page_are_trimmed() {
    assert_page(
        "closing_pitch.html",
        &[
            "Language apps look alike at first",
            "Some teach through short games",
            "the best course is the one you actually finish.",
        ],
        &["affiliate links", "Sign up now", "Learn faster with us"],
    );
}

#[test]
fn an_appeal_closing_the_page_goes_with_the_paragraph_it_heads() {
    // The appeal's paragraph is too long to read as a pitch on its own line; under the
    // appeal's heading, at the very end, it closes the page all the same.
    assert_page(
        "closing_appeal.html",
        &[
            "Ten years after the first survey",
            "publish the figures by the summer.",
        ],
        &["funded by readers", "donations pay for"],
    );
}

#[test]
fn streamed_parts_are_read_where_their_placeholders_stand() {
    // The parts arrive after the footer; a reader sees them in the body, in place of the
    // boundary's "Loading" fallback, and a part may hold another part's placeholder.
    let text = text_of("streamed_order.html");
    let at = |s: &str| {
        text.find(s)
            .unwrap_or_else(|| panic!("lost {s:?} from\n{text}"))
    };
    assert!(at("holds together by weight") < at("Take the damaged stretch down"));
    assert!(at("Take the damaged stretch down") < at("Rebuild in pairs of faces"));
    assert!(at("Rebuild in pairs of faces") < at("set the cope stones on edge"));
    assert!(!text.contains("Loading"), "{text}");
    assert!(!text.contains("About us"), "{text}");
}

#[test]
fn a_short_story_keeps_out_the_teaser_list_beside_it() {
    // Each teaser is an `<article>` of its own: together they hold more prose than the
    // story, but they are other stories, not parts of this one.
    assert_page(
        "teaser_list.html",
        &[
            "The night ferry to the islands will stop",
            "Islanders who rely on the late crossing",
        ],
        &[
            "A new bakery on the quay",
            "The lighthouse keeper",
            "The harbour school",
        ],
    );
}
