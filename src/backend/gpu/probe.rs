//! Host <-> device copy timing alone, for `zkpor bench`'s transfer column:
//! how long the bytes a job moves take to move, without any compute.

use std::time::{Duration, Instant};

use super::{GpuBackend, GpuError};

/// Largest single copy: well inside every adapter's buffer limit.
const PIECE: u64 = 128 << 20;

#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct TransferTimes {
    pub upload: Duration,
    pub download: Duration,
}

impl GpuBackend {
    /// Times uploading `up_bytes` and reading back `down_bytes`, in pieces.
    pub fn measure_transfers(
        &self,
        up_bytes: u64,
        down_bytes: u64,
    ) -> Result<TransferTimes, GpuError> {
        use wgpu::BufferUsages as U;
        let dev = &self.engine.device;
        let size = PIECE.min(up_bytes.max(down_bytes)).max(256);
        let device_buf = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("probe"),
            size,
            usage: U::STORAGE | U::COPY_DST | U::COPY_SRC,
            mapped_at_creation: false,
        });
        let staging = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("probe staging"),
            size,
            usage: U::MAP_READ | U::COPY_DST,
            mapped_at_creation: false,
        });
        let host = vec![0x5au8; size as usize];
        let t = Instant::now();
        for piece in pieces(up_bytes, size) {
            self.engine
                .queue
                .write_buffer(&device_buf, 0, &host[..piece as usize]);
            self.engine.queue.submit([]);
            self.engine.wait()?;
        }
        let upload = t.elapsed();
        let t = Instant::now();
        for piece in pieces(down_bytes, size) {
            let mut enc = dev.create_command_encoder(&Default::default());
            enc.copy_buffer_to_buffer(&device_buf, 0, &staging, 0, piece);
            self.engine.queue.submit([enc.finish()]);
            self.engine.map_words(&staging, piece / 4)?;
        }
        Ok(TransferTimes {
            upload,
            download: t.elapsed(),
        })
    }
}

/// `total` bytes as copies of at most `size` bytes, each a multiple of 4.
fn pieces(total: u64, size: u64) -> impl Iterator<Item = u64> {
    let total = total.next_multiple_of(4);
    (0..total.div_ceil(size)).map(move |i| (total - i * size).min(size))
}
