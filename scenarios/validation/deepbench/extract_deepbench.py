#!/usr/bin/env python3
"""Turn Baidu DeepBench's NVIDIA training result workbooks into the CSV files
in this folder. Standard library only (zipfile + xml.etree).

Usage: extract_deepbench.py GIT_DIR [OUT_DIR]

GIT_DIR is a clone (bare or not) of https://github.com/baidu-research/DeepBench;
each workbook is read at the newest commit that changed it.
"""
import os
import re
import subprocess
import sys
import zipfile
import io
import xml.etree.ElementTree as ET

NS = {
    'm': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main',
    'r': 'http://schemas.openxmlformats.org/officeDocument/2006/relationships',
    'pr': 'http://schemas.openxmlformats.org/package/2006/relationships',
}
REPO = 'baidu-research/DeepBench'
# labels in column A of the Specs sheets (some left blank in the workbooks)
SPEC_LABELS = {'CPU Model', 'GPU Model', 'Linux Kernel Version', 'CUDA Version', 'Cudnn Version',
               'OpenMPI Version', 'Nvidia Driver', 'Motherboard', 'Bios Version', 'HCA Version',
               'Mellanox Driver', 'Mellanox OS'}

# workbook file stem -> output GPU name
GPUS = [
    ('V100', 'V100'),
    ('P100', 'P100'),
    ('TitanX', 'TitanX-Maxwell'),
    ('M40', 'M40'),
    ('1080Ti', 'GTX1080Ti'),
    ('TitanX_Pascal', 'TitanX-Pascal'),
    ('TitanXp', 'TitanXp'),
]

# sheet name -> precision label (every non-"Specs" sheet must be listed here)
SHEET_PRECISION = {
    'Results FP32': 'fp32',
    'Results - FP32': 'fp32',
    'FP32': 'fp32',
    # P100: 16-bit inputs/outputs, 32-bit multiply and add ("pseudo FP16")
    'Results - Psuedo FP16': 'fp16',
    # V100: 16-bit inputs, 16-bit multiply, 32-bit add = tensor-core mixed precision
    'Results - FP16 ip, Mixed math': 'fp16-tensor',
}

# Convolution header text (normalised) -> output column
CONV_HEADERS = {
    'w': 'w', 'h': 'h', 'c': 'c', 'n': 'n', 'k': 'k',
    's (filter width)': 'filter_w', 'r (filter height)': 'filter_h',
    's': 'filter_w', 'r': 'filter_h',
    'pad_w': 'pad_w', 'pad_h': 'pad_h',
    'horizontal stride': 'stride_w', 'vertical stride': 'stride_h',
    'forward (msec)': 'forward_ms',
    'wrt inputs (msec)': 'backward_inputs_ms',
    'wrt parameters (msec)': 'backward_params_ms',
}
CONV_COLS = ['precision', 'w', 'h', 'c', 'n', 'k', 'filter_w', 'filter_h', 'pad_w', 'pad_h',
             'stride_w', 'stride_h', 'forward_ms', 'backward_inputs_ms', 'backward_params_ms']
GEMM_HEADERS = {
    'm': 'm', 'n': 'n', 'k': 'k', 'a transpose': 'a_transposed', 'b transpose': 'b_transposed',
    'time (msec)': 'time_ms', 'teraflops': 'tflops',
}
GEMM_COLS = ['precision', 'm', 'n', 'k', 'a_transposed', 'b_transposed', 'time_ms', 'tflops']
NOTES = {
    ('V100', 'conv'): [
        'fp16-tensor rows: the sheet\'s Forward Algorithm column is IMPLICIT_PRECOMP_GEMM on every row, as in a '
        'USE_TENSOR_CORES=1 build of conv_bench.cu at this commit: tensor-op math, NHWC fp16 tensors, fp32 compute type, '
        'algorithms forced to fwd IMPLICIT_PRECOMP_GEMM / bwd data ALGO_1 / bwd filter ALGO_1, and c and k padded up to a '
        'multiple of 8 (only the input layers with c=1 or 3 need that, and they are among the rows left out here)',
        'fp32 rows: the Forward Algorithm column varies (IMPLICIT_GEMM, WINOGRAD, FFT_TILING, ...), i.e. chosen by '
        'cudnnFind*, as in a USE_TENSOR_CORES=0 build (the Makefile default)',
    ],
    ('V100', 'gemm'): [
        'fp16-tensor rows: cublasGemmEx with CUBLAS_GEMM_DFALT_TENSOR_OP; 22 rows (those with m, n or k not a multiple of 8, '
        'e.g. n=7133, m=35, m=5124) were timed on dimensions padded up to multiples of 8, listed here unpadded as in the sheet; the code of the producing commit passes compute type CUDA_R_16F (fp16 accumulate) although the sheet says '
        '"32 bit addition" (see README.md)',
    ],
    ('TitanX', 'gemm'): [
        'rows m=2048/2560/4096, N,T have n=6574/10376/8935 in this sheet where the benchmark (and every other workbook) has '
        'n=7133; the 2560 row then implies 6.8 TFLOPS, above a Maxwell Titan X\'s fp32 peak: probably mislabelled, kept as published',
    ],
    ('P100', 'conv'): ['fp16 rows: "pseudo FP16": fp16 storage, fp32 arithmetic (no tensor cores on P100)'],
    ('P100', 'gemm'): ['fp16 rows: "pseudo FP16": fp16 storage, fp32 arithmetic (no tensor cores on P100)'],
}
INT_COLS = {'w', 'h', 'c', 'n', 'k', 'filter_w', 'filter_h', 'pad_w', 'pad_h', 'stride_w', 'stride_h', 'm'}


def git(gitdir, *args):
    return subprocess.run(['git', '--git-dir', gitdir] + list(args), check=True,
                          stdout=subprocess.PIPE).stdout


def col2n(letters):
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def load_workbook(data):
    """Returns [(sheet name, {(row, col): text})] in workbook order."""
    z = zipfile.ZipFile(io.BytesIO(data))
    strings = []
    if 'xl/sharedStrings.xml' in z.namelist():
        root = ET.fromstring(z.read('xl/sharedStrings.xml'))
        for si in root.findall('m:si', NS):
            strings.append(''.join(t.text or '' for t in si.iter('{%s}t' % NS['m'])))
    wb = ET.fromstring(z.read('xl/workbook.xml'))
    rels = ET.fromstring(z.read('xl/_rels/workbook.xml.rels'))
    targets = {r.get('Id'): r.get('Target') for r in rels.findall('pr:Relationship', NS)}
    sheets = []
    for s in wb.find('m:sheets', NS).findall('m:sheet', NS):
        target = targets[s.get('{%s}id' % NS['r'])]
        target = target.lstrip('/')
        if not target.startswith('xl/'):
            target = 'xl/' + target
        root = ET.fromstring(z.read(target))
        cells = {}
        for c in root.iter('{%s}c' % NS['m']):
            m = re.match(r'([A-Z]+)(\d+)$', c.get('r'))
            key = (int(m.group(2)), col2n(m.group(1)))
            v = c.find('m:v', NS)
            if c.get('t') == 's' and v is not None:
                cells[key] = strings[int(v.text)]
            elif c.get('t') == 'inlineStr':
                cells[key] = ''.join(x.text or '' for x in c.iter('{%s}t' % NS['m']))
            elif v is not None:
                cells[key] = v.text
        sheets.append((s.get('name'), target, cells))
    return sheets


def norm(s):
    return ' '.join(s.strip().lower().split())


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def fmt(x):
    """Shortest text that round-trips the value rounded to 9 significant digits."""
    return repr(float('%.9g' % x)).removesuffix('.0') if x != int(x) else str(int(x))


def section_rows(cells, title_prefix):
    """Row of the section title in column A whose text starts with title_prefix."""
    rows = [r for (r, c), v in cells.items() if c == 1 and v.strip().startswith(title_prefix)]
    return rows


def extract_sheet(cells, precision, log):
    titles = sorted((r, v.strip()) for (r, c), v in cells.items() if c == 1 and num(v) is None and r > 1)
    starts = [r for r, _ in titles]

    def section_end(r0):
        later = [r for r in starts if r > r0]
        return min(later) if later else max(r for r, _ in cells) + 1

    # GEMM: header is on the title row
    g0 = section_rows(cells, 'Dense Matrix Multiplication')[0]
    ghdr = {c: GEMM_HEADERS[norm(v)] for (r, c), v in cells.items() if r == g0 and norm(v) in GEMM_HEADERS}
    gemm, gskipped, gdata = [], [], 0
    for r in range(g0 + 1, section_end(g0)):
        row = {name: cells.get((r, c)) for c, name in ghdr.items()}
        if all(v is None or not v.strip() for v in row.values()):
            continue
        gdata += 1
        out = {'precision': precision}
        ok = True
        for name, v in row.items():
            if name in ('a_transposed', 'b_transposed'):
                if v not in ('N', 'T'):
                    ok = False
                    break
                out[name] = 'true' if v == 'T' else 'false'
            else:
                x = num(v)
                if x is None:
                    ok = False
                    break
                out[name] = fmt(x)
        if ok:
            gemm.append((r, out))
        else:
            gskipped.append((r, row))

    # Convolution: title row, then header row, then data
    c0 = section_rows(cells, 'Convolution')[0]
    chdr_row = c0 + 1
    chdr = {c: CONV_HEADERS[norm(v)] for (r, c), v in cells.items() if r == chdr_row and norm(v) in CONV_HEADERS}
    assert sorted(chdr.values()) == sorted(CONV_COLS[1:]), sorted(chdr.values())
    raw_headers = [cells[(chdr_row, c)] for c in sorted(chdr)]
    conv, cskipped, cdata = [], [], 0
    for r in range(chdr_row + 1, section_end(c0)):
        row = {name: cells.get((r, c)) for c, name in chdr.items()}
        if all(num(row[k]) is None for k in ('w', 'h', 'c', 'n', 'k')):
            continue  # blank line or footnote
        cdata += 1
        vals = {k: num(v) for k, v in row.items()}
        if any(v is None for v in vals.values()):
            cskipped.append((r, row))
            continue
        out = {'precision': precision}
        out.update({k: fmt(v) for k, v in vals.items()})
        conv.append((r, out))
    return {'gemm': gemm, 'gemm_skipped': gskipped, 'gemm_data_rows': gdata, 'gemm_header_row': g0,
            'gemm_headers': [cells[(g0, c)] for c in sorted(ghdr)],
            'conv': conv, 'conv_skipped': cskipped, 'conv_data_rows': cdata, 'conv_header_row': chdr_row,
            'conv_headers': raw_headers}


def main():
    gitdir = sys.argv[1]
    outdir = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    summary = []
    for stem, gpu in GPUS:
        path = 'results/train/DeepBench_NV_%s.xlsx' % stem
        commit, date = git(gitdir, 'log', '-1', '--format=%H %cI', '--', path).decode().split()
        sheets = load_workbook(git(gitdir, 'show', '%s:%s' % (commit, path)))
        specs = {}
        results = []
        for name, target, cells in sheets:
            if name == 'Specs':
                for r in sorted({r for r, _ in cells}):
                    k, v = cells.get((r, 1), '').strip(), (cells.get((r, 2)) or '').strip()
                    if k and v:
                        specs[k] = v
                    elif k and k not in SPEC_LABELS:
                        specs.setdefault('_notes', []).append(k)  # e.g. V100: "NVIDIA DGX-1"
                continue
            precision = SHEET_PRECISION[name]
            res = extract_sheet(cells, precision, summary)
            res.update(name=name, target=target, precision=precision,
                       precision_text=(cells.get((1, 2)) or '').strip())
            results.append(res)

        url = 'https://github.com/%s/blob/%s/%s' % (REPO, commit, path)
        common = [
            '# Baidu DeepBench published NVIDIA training results, converted from the xlsx workbook',
            '# source: github.com/%s, %s at commit %s (commit date %s)' % (REPO, path, commit, date),
            '# url: %s' % url,
            '# license: Apache License 2.0 (DeepBench LICENSE file)',
        ]
        spec_keys = ['GPU Model', 'CUDA Version', 'Cudnn Version', 'Nvidia Driver', 'CPU Model']
        specline = '; '.join('%s: %s' % (k, specs[k]) for k in spec_keys if k in specs)
        common.append('# workbook Specs sheet: %s' % specline)
        for note in specs.get('_notes', []):
            common.append('# workbook Specs sheet note: %s' % note)
        for res in results:
            common.append('# sheet "%s" (%s): precision %s, sheet says "Precision: %s"'
                          % (res['name'], res['target'], res['precision'], res['precision_text']))

        for kind in ('conv', 'gemm'):
            fname = os.path.join(outdir, '%s-%s-train.csv' % (gpu, kind))
            lines = list(common)
            if kind == 'conv':
                for res in results:
                    lines.append('# sheet "%s" convolution headers (row %d): %s'
                                 % (res['name'], res['conv_header_row'], ' | '.join(h.strip() for h in res['conv_headers'])))
                lines.append('# units: forward_ms, backward_inputs_ms, backward_params_ms in milliseconds '
                             '(sheet columns "Forward (msec)", "wrt Inputs (msec)", "wrt Parameters (msec)"), '
                             'mean time per call of a timed loop, truncated to whole microseconds by the benchmark (see README.md)')
                lines.append('# w,h = input width,height; c = input channels; n = batch; k = output channels; '
                             'filter_w/filter_h = S/R; pad and stride per dimension')
                skipped = sum(len(r['conv_skipped']) for r in results)
                if skipped:
                    lines.append('# %d sheet rows left out because a time is missing (sheet shows "N/A*": '
                                 'backward wrt inputs not run for input layers); see README.md' % skipped)
                cols = CONV_COLS
            else:
                for res in results:
                    lines.append('# sheet "%s" GEMM headers (row %d): %s'
                                 % (res['name'], res['gemm_header_row'], ' | '.join(h.strip() for h in res['gemm_headers'])))
                lines.append('# units: time_ms in milliseconds (sheet column "Time (msec)"), mean time per call of a timed loop, '
                             'truncated to whole microseconds by the benchmark; tflops = the sheet\'s TERAFLOPS column '
                             '(2*m*n*k/time, unpadded m,n,k)')
                lines.append('# C(m x n) = op(A) * op(B), op(A) m x k, op(B) k x n; a_transposed/b_transposed = sheet "A/B Transpose" T/N')
                cols = GEMM_COLS
            if kind == 'gemm':
                lines.append('# note: 8 rows per precision (m 512/1024, n 24000/48000) say k=1530 as in the sheet; DeepBench\'s '
                             'gemm_problems.h lists k=1536 for them in every version; values kept as published')
            for note in NOTES.get((stem, kind), []):
                lines.append('# note: ' + note)
            lines.append(','.join(cols))
            n = 0
            for res in results:
                for _, row in res[kind]:
                    lines.append(','.join(row[c] for c in cols))
                    n += 1
            with open(fname, 'w', newline='') as f:
                f.write('\n'.join(lines) + '\n')
            summary.append((os.path.basename(fname), n,
                            [(r['name'], r[kind + '_data_rows'], len(r[kind]), [x for x, _ in r[kind + '_skipped']])
                             for r in results]))
    for fname, n, per in summary:
        print(fname, n, per)


if __name__ == '__main__':
    main()
