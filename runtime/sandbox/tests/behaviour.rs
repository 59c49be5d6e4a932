//! The original system's behaviour where it was right: allowed modules, exact messages with
//! line and column, exception types and messages, recursion, seeded random, unicode.

mod common;

use code_remote_sandbox::DEFAULT_ALLOWED_MODULES;
use common::{assert_error, assert_refused, run, sandbox, GUARDED};

fn allowed_list() -> String {
    let mut modules: Vec<&str> = DEFAULT_ALLOWED_MODULES.to_vec();
    modules.sort_unstable();
    let quoted: Vec<String> = modules.iter().map(|m| format!("'{m}'")).collect();
    format!("[{}]", quoted.join(", "))
}

#[tokio::test]
async fn hello_world_succeeds_with_host_measured_time() {
    let sb = sandbox(GUARDED).await;
    let result = run(&sb, "print('Hello, World!')", 5.0).await;
    assert!(result.success);
    assert_eq!(result.stdout, "Hello, World!\n");
    assert_eq!(result.stderr, "");
    assert_eq!(result.error, None);
    assert!(!result.timed_out && !result.truncated);
    assert!(result.execution_time_ms > 0.0 && result.execution_time_ms < 5000.0);
}

#[tokio::test]
async fn every_allowed_module_imports() {
    let sb = sandbox(GUARDED).await;
    let code: String = DEFAULT_ALLOWED_MODULES.iter().map(|m| format!("import {m}\n")).collect::<String>()
        + "print(math.sqrt(16), json.dumps({'a': [1, 2]}), collections.Counter('aab')['a'])\n"
        + "from fractions import Fraction\nfrom decimal import Decimal\nprint(Fraction(1, 3) + Fraction(1, 6), Decimal('0.1') + Decimal('0.2'))\n"
        + "import datetime, itertools, re\nprint(list(itertools.permutations([1, 2]))[1], re.sub(r'b+', 'x', 'abbbc'), datetime.date(2024, 1, 31).isoformat())\n";
    let result = run(&sb, &code, 10.0).await;
    assert!(result.success, "{result:?}");
    assert_eq!(
        result.stdout,
        "4.0 {\"a\": [1, 2]} 2\n1/2 0.3\n(2, 1) axc 2024-01-31\n"
    );
}

#[tokio::test]
async fn blocked_import_message_lists_the_allowed_modules() {
    let sb = sandbox(GUARDED).await;
    let result = run(&sb, "x = 1\nimport os", 5.0).await;
    let message = format!(
        "Import of 'os' is not allowed. Allowed modules: {}",
        allowed_list()
    );
    assert_refused(&result, &message);
    assert_eq!(
        (
            result.security_violations[0].line,
            result.security_violations[0].column
        ),
        (2, 0)
    );
}

#[tokio::test]
async fn blocked_import_from_message() {
    let sb = sandbox(GUARDED).await;
    let result = run(&sb, "from subprocess import run", 5.0).await;
    let message = format!(
        "Import from 'subprocess' is not allowed. Allowed modules: {}",
        allowed_list()
    );
    assert_refused(&result, &message);
    assert_eq!(
        (
            result.security_violations[0].line,
            result.security_violations[0].column
        ),
        (1, 0)
    );
}

#[tokio::test]
async fn every_blocked_call_has_its_message_and_position() {
    let sb = sandbox(GUARDED).await;
    let names = [
        "eval",
        "exec",
        "compile",
        "open",
        "input",
        "__import__",
        "globals",
        "locals",
        "vars",
        "dir",
        "getattr",
        "setattr",
        "delattr",
        "hasattr",
        "breakpoint",
        "help",
        "memoryview",
    ];
    let code: String = names.iter().map(|n| format!("y = {n}()\n")).collect();
    let result = run(&sb, &code, 5.0).await;
    assert_error(&result, "SecurityError");
    assert_eq!(result.security_violations.len(), names.len(), "{result:?}");
    for (index, name) in names.iter().enumerate() {
        let violation = &result.security_violations[index];
        assert_eq!(
            violation.message,
            format!("Use of '{name}()' is not allowed.")
        );
        assert_eq!((violation.line, violation.column), (index as i64 + 1, 4));
    }
}

#[tokio::test]
async fn every_blocked_attribute_has_its_message() {
    let sb = sandbox(GUARDED).await;
    let attributes = [
        "__class__",
        "__bases__",
        "__subclasses__",
        "__mro__",
        "__globals__",
        "__code__",
        "__builtins__",
        "__import__",
        "__dict__",
        "__getattribute__",
        "__reduce__",
        "__reduce_ex__",
        "__loader__",
        "__spec__",
        "__self__",
        "__func__",
        "__closure__",
        "__traceback__",
        "gi_frame",
        "cr_frame",
        "ag_frame",
        "f_back",
        "f_globals",
        "f_locals",
        "f_builtins",
        "tb_frame",
        "tb_next",
        "sys",
        "os",
        "modules",
        "_os",
        "builtins",
    ];
    let code: String = attributes.iter().map(|a| format!("x.{a}\n")).collect();
    let result = run(&sb, &code, 5.0).await;
    assert_error(&result, "SecurityError");
    assert_eq!(result.security_violations.len(), attributes.len());
    for (index, attribute) in attributes.iter().enumerate() {
        let violation = &result.security_violations[index];
        assert_eq!(
            violation.message,
            format!("Access to '{attribute}' is not allowed.")
        );
        assert_eq!((violation.line, violation.column), (index as i64 + 1, 0));
    }
}

#[tokio::test]
async fn one_violation_per_offending_node_and_nothing_runs() {
    let sb = sandbox(GUARDED).await;
    let result = run(
        &sb,
        "print('ran')\nimport os\nx = eval('1')\ny = ().__class__",
        5.0,
    )
    .await;
    assert_error(&result, "SecurityError");
    assert_eq!(result.security_violations.len(), 3);
    assert_eq!(result.stdout, "");
    assert_eq!(result.execution_time_ms, 0.0);
}

#[tokio::test]
async fn syntax_error_is_reported_at_its_line_and_column() {
    let sb = sandbox(GUARDED).await;
    let result = run(&sb, "x = 1\ndef f(:\n    pass", 5.0).await;
    assert_refused(&result, "Syntax error: invalid syntax");
    assert_eq!(result.security_violations[0].line, 2);
    assert_eq!(result.security_violations[0].column, 7);
}

#[tokio::test]
async fn ordinary_dunder_code_keeps_working() {
    let sb = sandbox(GUARDED).await;
    let code = "class A:\n    def __init__(self):\n        self.v = 1\nclass B(A):\n    '''doc'''\n    def __init__(self):\n        super().__init__()\n        self.w = 2\ndef f():\n    pass\nb = B()\nprint(b.v, b.w, f.__name__, B.__doc__, len([1, 2]))";
    let result = run(&sb, code, 5.0).await;
    assert!(result.success, "{result:?}");
    assert_eq!(result.stdout, "1 2 f doc 2\n");
}

async fn exception_case(code: &str, error_type: &str, error: &str) {
    let sb = sandbox(GUARDED).await;
    let result = run(&sb, code, 5.0).await;
    assert_error(&result, error_type);
    assert_eq!(result.error.as_deref(), Some(error));
    assert!(
        result.stderr.contains("Traceback (most recent call last):"),
        "{result:?}"
    );
    assert!(
        result.stderr.contains(&format!("{error_type}: {error}")),
        "{result:?}"
    );
    assert!(
        !result.stderr.contains("<sandbox>"),
        "sandbox frames must be removed: {result:?}"
    );
    assert!(
        !result.stderr.contains("run_user_code"),
        "sandbox frames must be removed: {result:?}"
    );
}

#[tokio::test]
async fn zero_division_keeps_type_and_message() {
    exception_case("print(1/0)", "ZeroDivisionError", "division by zero").await;
}

#[tokio::test]
async fn name_error_keeps_type_and_message() {
    exception_case(
        "print(undefined_name)",
        "NameError",
        "name 'undefined_name' is not defined",
    )
    .await;
}

#[tokio::test]
async fn type_error_keeps_type_and_message() {
    exception_case(
        "'a' + 1",
        "TypeError",
        "can only concatenate str (not \"int\") to str",
    )
    .await;
}

#[tokio::test]
async fn index_error_keeps_type_and_message() {
    exception_case("[1, 2][5]", "IndexError", "list index out of range").await;
}

#[tokio::test]
async fn value_error_keeps_type_and_message() {
    exception_case("raise ValueError('test error')", "ValueError", "test error").await;
}

#[tokio::test]
async fn partial_stdout_is_kept_before_an_exception() {
    let sb = sandbox(GUARDED).await;
    let result = run(
        &sb,
        "print('before')\nprint('same line', end='')\nraise ValueError('test error')",
        5.0,
    )
    .await;
    assert_error(&result, "ValueError");
    assert_eq!(result.stdout, "before\nsame line");
}

#[tokio::test]
async fn recursion_gives_recursion_error() {
    let sb = sandbox(GUARDED).await;
    let result = run(&sb, "def f(n):\n    return f(n + 1)\nf(0)", 5.0).await;
    assert_error(&result, "RecursionError");
    assert_eq!(
        result.error.as_deref(),
        Some("maximum recursion depth exceeded")
    );
}

#[tokio::test]
async fn seeded_random_is_deterministic() {
    let sb = sandbox(GUARDED).await;
    let result = run(
        &sb,
        "import random\nrandom.seed(42)\nprint(random.randint(1,100))",
        5.0,
    )
    .await;
    assert!(result.success);
    assert_eq!(result.stdout, "82\n");
}

#[tokio::test]
async fn unseeded_random_differs_between_children() {
    let sb = sandbox(GUARDED).await;
    let code = "import random\nprint(random.getrandbits(64))";
    let first = run(&sb, code, 5.0).await;
    let second = run(&sb, code, 5.0).await;
    assert!(first.success && second.success);
    assert_ne!(
        first.stdout, second.stdout,
        "fork children must not share the zygote's RNG state"
    );
}

#[tokio::test]
async fn unicode_and_end_pass_through_exactly() {
    let sb = sandbox(GUARDED).await;
    let result = run(
        &sb,
        "print('héllo wörld ✓ 日本語 🐍', end='')\nprint('|', 'a', 'b', sep='-', end='!')",
        5.0,
    )
    .await;
    assert!(result.success);
    assert_eq!(result.stdout, "héllo wörld ✓ 日本語 🐍|-a-b!");
}

#[tokio::test]
async fn time_sleep_is_allowed() {
    let sb = sandbox(GUARDED).await;
    let result = run(&sb, "import time\ntime.sleep(0.2)\nprint('slept')", 5.0).await;
    assert!(result.success);
    assert!(result.execution_time_ms >= 200.0, "{result:?}");
}

#[tokio::test]
async fn stderr_is_captured_separately() {
    let sb = sandbox(common::BYPASSED).await;
    let result = run(
        &sb,
        "import sys\nprint('to out')\nprint('to err', file=sys.stderr)",
        5.0,
    )
    .await;
    assert!(result.success);
    assert_eq!(
        (result.stdout.as_str(), result.stderr.as_str()),
        ("to out\n", "to err\n")
    );
}

#[tokio::test]
async fn runtime_import_hook_refuses_with_the_same_message() {
    let sb = sandbox(GUARDED).await;
    let result = run(&sb, "import importlib", 5.0).await;
    assert_refused(
        &result,
        &format!(
            "Import of 'importlib' is not allowed. Allowed modules: {}",
            allowed_list()
        ),
    );
}

#[tokio::test]
async fn concurrent_executions_are_bounded_and_all_complete() {
    let sb = sandbox(GUARDED).await;
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..24 {
        let sb = sb.clone();
        tasks.spawn(async move {
            sb.execute(
                &format!("print({index} * 2)"),
                std::time::Duration::from_secs(10),
            )
            .await
        });
    }
    let mut outputs = Vec::new();
    while let Some(result) = tasks.join_next().await {
        let result = result.expect("task");
        assert!(result.success, "{result:?}");
        outputs.push(result.stdout.trim().parse::<i32>().expect("number"));
    }
    outputs.sort_unstable();
    assert_eq!(outputs, (0..24).map(|i| i * 2).collect::<Vec<_>>());
}

#[tokio::test]
async fn layers_are_reported() {
    let sb = sandbox(GUARDED).await;
    let layers = sb.layers();
    assert!(layers.process && layers.environment && layers.rlimits && layers.python_layer);
    assert!(
        layers.seccomp,
        "seccomp must be active on every supported host"
    );
    println!("missing layers here: {:?}", layers.missing());
}

#[tokio::test]
async fn code_too_large_is_refused_without_running() {
    let sb = sandbox(GUARDED).await;
    let code = "#".repeat(sb.config().max_code_bytes + 1);
    let result = run(&sb, &code, 5.0).await;
    assert_error(&result, "ValueError");
}

#[tokio::test]
async fn threads_run_up_to_the_process_limit_within_the_memory_cap() {
    // RLIMIT_NPROC counts every thread of the uid, and in the Lambda-like run every test
    // process shares uid 65534: a roomy limit keeps this about memory, not about the others.
    let config = code_remote_sandbox::SandboxConfig {
        python_layer: false,
        processes: 1024,
        ..code_remote_sandbox::SandboxConfig::default()
    };
    let sb = code_remote_sandbox::Sandbox::start(config)
        .await
        .expect("the sandbox starts");
    // Forty threads at once (the address-space limit used to stop a child at five), each
    // recursing deeply enough to need a real stack.
    let code = "import threading\nresults = []\ndef depth(n):\n    return depth(n - 1) + 1 if n else 0\nbarrier = threading.Barrier(40)\ndef work():\n    barrier.wait()\n    results.append(depth(900))\nthreads = [threading.Thread(target=work) for _ in range(40)]\nfor t in threads:\n    t.start()\nfor t in threads:\n    t.join()\nprint(len(results), set(results))";
    let result = run(&sb, code, 10.0).await;
    assert!(result.success, "{result:?}");
    assert_eq!(result.stdout, "40 {900}\n");
    let too_big = run(&sb, "x = bytearray(300 << 20)", 10.0).await;
    assert_error(&too_big, "MemoryError");
}
