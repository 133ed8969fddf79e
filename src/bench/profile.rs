//! The compact human form of `zkpor bench --profile`: one line per profiled
//! GPU entry, after the tables. The JSON report has every field.

use super::BenchReport;
use crate::backend::gpu::{GpuProfile, Timed};

fn ms(seconds: f64) -> String {
    format!("{:.2} ms", seconds * 1e3)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

fn phase(name: &str, t: &Timed) -> Option<String> {
    if t.count == 0 {
        return None;
    }
    Some(if t.bytes > 0 {
        format!("{name} {} ({}x, {})", ms(t.seconds), t.count, mib(t.bytes))
    } else {
        format!("{name} {} ({}x)", ms(t.seconds), t.count)
    })
}

/// One profile as a line.
pub fn line(p: &GpuProfile) -> String {
    let kernels: Vec<String> = p
        .kernels
        .iter()
        .map(|(name, k)| match k.device_seconds {
            Some(s) => format!("{name} {} ({}x)", ms(s), k.dispatches),
            None => format!("{name} {}x", k.dispatches),
        })
        .collect();
    let device = match p.kernel_seconds {
        Some(s) => format!("kernels {} [{}]", ms(s), kernels.join(", ")),
        None => format!("kernels untimed (no timestamps) [{}]", kernels.join(", ")),
    };
    let copies = p
        .copy_seconds
        .map(|s| format!(" | device copies {}", ms(s)))
        .unwrap_or_default();
    let host: Vec<String> = [
        phase("upload", &p.upload),
        phase("readback", &p.readback),
        phase("wait", &p.wait),
        phase("host copies", &p.host_copies),
        phase("alloc", &p.alloc),
        phase("encode", &p.encode),
        phase("submit", &p.submit),
    ]
    .into_iter()
    .flatten()
    .collect();
    format!(
        "wall {} | {device}{copies} | {} submissions | {}",
        ms(p.wall_seconds),
        p.submissions,
        host.join(" | ")
    )
}

/// Prints every profile in the report (nothing when there is none).
pub fn print_profiles(r: &BenchReport) {
    let mut first = true;
    for s in &r.sections {
        for row in &s.rows {
            for e in &row.entries {
                let Some(p) = &e.profile else { continue };
                if first {
                    println!("\nGPU profile (one extra run per entry; host timers, device timestamps: {})", p.timestamps);
                    if r.machine.gpu_is_software {
                        println!("  SOFTWARE adapter: these times are a CPU emulating a GPU");
                    }
                    first = false;
                }
                println!(
                    "  {} 2^{} {}: {}",
                    s.title,
                    row.log_size,
                    e.implementation,
                    line(p)
                );
            }
        }
    }
}
