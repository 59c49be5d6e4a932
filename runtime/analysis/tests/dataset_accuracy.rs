//! The offline analyzer against the labelled dataset: fails below 85% time or 75% space accuracy.

use code_remote_analysis::dataset::{default_dir, load, score};

#[test]
fn offline_analyzer_meets_accuracy_targets() {
    let snippets = load(&default_dir()).expect("dataset loads");
    assert!(
        snippets.len() >= 60,
        "dataset has {} snippets, want at least 60",
        snippets.len()
    );
    let s = score(&snippets);
    println!(
        "dataset: {} snippets; time accuracy {:.1}% ({}/{}), space accuracy {:.1}% ({}/{}), pattern recall {:.1}% ({}/{})",
        s.total,
        100.0 * s.time_accuracy(),
        s.time_hits,
        s.total,
        100.0 * s.space_accuracy(),
        s.space_hits,
        s.total,
        100.0 * s.pattern_recall(),
        s.pattern_hits,
        s.pattern_total
    );
    for m in &s.misses {
        println!(
            "miss {:5} {:40} expected {:20} got {}",
            m.what, m.name, m.expected, m.got
        );
    }
    assert!(
        s.time_accuracy() >= 0.85,
        "time accuracy {:.1}% below 85%",
        100.0 * s.time_accuracy()
    );
    assert!(
        s.space_accuracy() >= 0.75,
        "space accuracy {:.1}% below 75%",
        100.0 * s.space_accuracy()
    );
}
