// Columns to rows: dst[(r - first_row) width + first_col + c] = src[c col_len + r]
// for rows r in [first_row, first_row + rows) and the `cols` columns of src.
// The LDE columns come out of the NTT already in bit-reversed order, so this
// is plonky2's transpose + reverse_index_bits. A 64-row x 16-column tile
// goes through workgroup memory so that reads run along columns and writes
// along rows.

struct TransposeParams {
    // Elements per source column.
    col_len: u32,
    first_row: u32,
    rows: u32,
    cols: u32,
    // Elements per destination row.
    width: u32,
    first_col: u32,
    // Tiles across the columns: ceil(cols / 16).
    col_tiles: u32,
    // Workgroups per row of the 2-D dispatch grid.
    row_len: u32,
}

@group(0) @binding(1) var<uniform> tp: TransposeParams;
@group(0) @binding(2) var<storage, read> columns_in: array<vec2<u32>>;
@group(0) @binding(3) var<storage, read_write> rows_out: array<vec2<u32>>;

const TILE_ROWS: u32 = 64u;
const TILE_COLS: u32 = 16u;
var<workgroup> block: array<vec2<u32>, 1024>;

@compute @workgroup_size(256)
fn transpose_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let w = wid.y * tp.row_len + wid.x;
    let row0 = (w / tp.col_tiles) * TILE_ROWS;
    let col0 = (w % tp.col_tiles) * TILE_COLS;
    for (var l = t; l < TILE_ROWS * TILE_COLS; l = l + 256u) {
        let r = l % TILE_ROWS;
        let c = l / TILE_ROWS;
        if (row0 + r < tp.rows && col0 + c < tp.cols) {
            block[c * TILE_ROWS + r] = columns_in[(col0 + c) * tp.col_len + tp.first_row + row0 + r];
        }
    }
    workgroupBarrier();
    for (var l = t; l < TILE_ROWS * TILE_COLS; l = l + 256u) {
        let c = l % TILE_COLS;
        let r = l / TILE_COLS;
        if (row0 + r < tp.rows && col0 + c < tp.cols) {
            rows_out[(row0 + r) * tp.width + tp.first_col + col0 + c] = block[c * TILE_ROWS + r];
        }
    }
}
