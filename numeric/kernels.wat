;; The three matrix products of a dense layer (numeric/linalg.ts), in WebAssembly SIMD (f64x2).
;;
;; Every product computes each entry with the same float64 operations in the same order as the
;; plain-JavaScript kernels in numeric/linalg.ts, so the results are identical bit for bit (the sign
;; of a NaN aside: V8 may order a scalar add's operands differently, which only NaN shows): the two
;; lanes of a vector hold two *independent* entries (two consecutive columns of C), never two
;; partial sums of one entry. What changes is only the loop order around those per-entry sums.
;;
;; All three hold a 4×4 tile of C in eight vectors while all steps of the sum stream past — each
;; step four splatted entries of one factor against two vectors of the other (16 multiply-adds for
;; 6 loads). Aᵀ B and A B pack both factors ($pack) into panels of four rows or columns, contiguous
;; step by step, and run the tile product $tiles; packing removes the strides that put every row of
;; a wide layer in the same cache set. A Bᵀ packs only A (the batch) and reads the rows of B (the
;; weights, the large factor) in place, writing each tile transposed.
;;
;; Matrices are row-major float64 arrays at byte offsets into the exported memory; the caller
;; (numeric/kernels.ts) places them there. Built by scripts/build-wasm.js (wabt, from npm).
(module
  (memory (export "memory") 1)

;; Packs `items` rows or columns of a matrix, four at a time, for the tile product below:
  ;; dst[p][s][r] = src[(4p + r)·item + s·step] (byte strides) for 4p + r < items, else 0; p counts
  ;; ⌈items/4⌉ panels, s < S steps. Each panel is S·32 contiguous bytes.
  (func $pack (param $dst i32) (param $src i32) (param $items i32) (param $S i32) (param $item i32) (param $step i32)
    (local $p i32) (local $s i32) (local $r i32) (local $at i32) (local $i2 i32) (local $i3 i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local.set $i2 (i32.shl (local.get $item) (i32.const 1)))
    (local.set $i3 (i32.add (local.get $i2) (local.get $item)))
    (block $pd (loop $pl
      (br_if $pd (i32.ge_u (i32.shl (local.get $p) (i32.const 2)) (local.get $items)))
      (local.set $at (i32.add (local.get $src) (i32.mul (i32.shl (local.get $p) (i32.const 2)) (local.get $item))))
      (local.set $s (i32.const 0))
      (if (i32.le_u (i32.shl (i32.add (local.get $p) (i32.const 1)) (i32.const 2)) (local.get $items))
        (then
          ;; a full panel of four contiguous entries per step: two vectors per step
          (if (i32.eq (local.get $item) (i32.const 8))
            (then
              (block $vd (loop $vl
                (br_if $vd (i32.ge_u (local.get $s) (local.get $S)))
                (v128.store (local.get $dst) (v128.load (local.get $at)))
                (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $at)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                (local.set $at (i32.add (local.get $at) (local.get $step)))
                (local.set $s (i32.add (local.get $s) (i32.const 1)))
                (br $vl)))))
          ;; a full panel of four rows read along them: two steps at a time, interleaved by shuffles
          (if (i32.eq (local.get $step) (i32.const 8))
            (then
              (block $wd (loop $wl
                (br_if $wd (i32.ge_u (i32.add (local.get $s) (i32.const 1)) (local.get $S)))
                (local.set $v0 (v128.load (local.get $at)))
                (local.set $v1 (v128.load (i32.add (local.get $at) (local.get $item))))
                (local.set $v2 (v128.load (i32.add (local.get $at) (local.get $i2))))
                (local.set $v3 (v128.load (i32.add (local.get $at) (local.get $i3))))
                (v128.store (local.get $dst)
                  (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $v0) (local.get $v1)))
                (v128.store offset=16 (local.get $dst)
                  (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $v2) (local.get $v3)))
                (v128.store offset=32 (local.get $dst)
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $v0) (local.get $v1)))
                (v128.store offset=48 (local.get $dst)
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $v2) (local.get $v3)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
                (local.set $at (i32.add (local.get $at) (i32.const 16)))
                (local.set $s (i32.add (local.get $s) (i32.const 2)))
                (br $wl)))))
          ;; the remaining steps: four loads per step
          (block $sd (loop $sl
            (br_if $sd (i32.ge_u (local.get $s) (local.get $S)))
            (f64.store (local.get $dst) (f64.load (local.get $at)))
            (f64.store offset=8 (local.get $dst) (f64.load (i32.add (local.get $at) (local.get $item))))
            (f64.store offset=16 (local.get $dst) (f64.load (i32.add (local.get $at) (local.get $i2))))
            (f64.store offset=24 (local.get $dst) (f64.load (i32.add (local.get $at) (local.get $i3))))
            (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
            (local.set $at (i32.add (local.get $at) (local.get $step)))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $sl))))
        (else
          ;; the last, partial panel: missing items read as 0
          (block $sd2 (loop $sl2
            (br_if $sd2 (i32.ge_u (local.get $s) (local.get $S)))
            (local.set $r (i32.const 0))
            (block $rd (loop $rl
              (br_if $rd (i32.ge_u (local.get $r) (i32.const 4)))
              (f64.store (local.get $dst)
                (if (result f64) (i32.lt_u (i32.add (i32.shl (local.get $p) (i32.const 2)) (local.get $r))
                  (local.get $items))
                  (then (f64.load (i32.add (local.get $at) (i32.mul (local.get $r) (local.get $item)))))
                  (else (f64.const 0))))
              (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br $rl)))
            (local.set $at (i32.add (local.get $at) (local.get $step)))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $sl2)))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $pl)))
  )

  ;; Copies the entries of a rows×cols tile of C at $c (row stride $ldc bytes) that exist (the first
  ;; $nr rows, $nc columns of four) between C and the 4×4 buffer at $t; $in: C → buffer (missing
  ;; entries 0), else buffer → C.
  (func $edge (param $c i32) (param $t i32) (param $ldc i32) (param $nr i32) (param $nc i32) (param $in i32)
    (local $r i32) (local $q i32) (local $at i32)
    (block $rd (loop $rl
      (br_if $rd (i32.ge_u (local.get $r) (i32.const 4)))
      (local.set $q (i32.const 0))
      (block $qd (loop $ql
        (br_if $qd (i32.ge_u (local.get $q) (i32.const 4)))
        (local.set $at (i32.add (local.get $c) (i32.add (i32.mul (local.get $r) (local.get $ldc)) (i32.shl
          (local.get $q) (i32.const 3)))))
        (if (local.get $in)
          (then
            (f64.store (local.get $t)
              (if (result f64) (i32.and (i32.lt_u (local.get $r) (local.get $nr)) (i32.lt_u (local.get $q)
                (local.get $nc)))
                (then (f64.load (local.get $at)))
                (else (f64.const 0)))))
          (else
            (if (i32.and (i32.lt_u (local.get $r) (local.get $nr)) (i32.lt_u (local.get $q) (local.get $nc)))
              (then (f64.store (local.get $at) (f64.load (local.get $t)))))))
        (local.set $t (i32.add (local.get $t) (i32.const 8)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $ql)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl)))
  )

  ;; C (rows×cols, row stride $ldc bytes) += P Q over S steps, entry by entry in order of the step:
  ;; C[r][c] = ((C[r][c] + P[0][r]·Q[0][c]) + P[1][r]·Q[1][c]) + … — the order of the JavaScript
  ;; loops in linalg.ts. P and Q are packed by $pack (rows and columns four at a time). A 4×4 tile of
  ;; C is held in eight vectors (two columns each) through all S steps; tiles at the edges go
  ;; through the buffer at $t. Column panels outside, row panels inside, so a panel of Q stays in
  ;; cache while the row panels pass.
  (func $tiles (param $pP i32) (param $pQ i32) (param $pC i32) (param $t i32)
    (param $rows i32) (param $cols i32) (param $S i32) (param $ldc i32) (param $mode i32)
    (local $cp i32) (local $rp i32) (local $p i32) (local $q i32) (local $pe i32) (local $c i32) (local $c1 i32)
    (local $c2 i32) (local $c3 i32) (local $panel i32) (local $nr i32) (local $nc i32) (local $full i32)
    (local $x v128) (local $b0 v128) (local $b1 v128)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local.set $panel (i32.shl (local.get $S) (i32.const 5)))
    (block $cd (loop $cl
      (br_if $cd (i32.ge_u (local.get $cp) (local.get $cols)))
      (local.set $nc (i32.sub (local.get $cols) (local.get $cp)))
      (local.set $rp (i32.const 0))
      (block $rd (loop $rl
        (br_if $rd (i32.ge_u (local.get $rp) (local.get $rows)))
        (local.set $nr (i32.sub (local.get $rows) (local.get $rp)))
        (local.set $full (i32.and (i32.ge_u (local.get $nr) (i32.const 4)) (i32.ge_u (local.get $nc) (i32.const 4))))
        (local.set $c (i32.add (local.get $pC)
          (i32.add (i32.mul (local.get $rp) (local.get $ldc)) (i32.shl (local.get $cp) (i32.const 3)))))
        (if (i32.eqz (local.get $full))
          (then
            (call $edge (local.get $c) (local.get $t) (local.get $ldc) (local.get $nr) (local.get $nc) (i32.const 1))
            (local.set $c (local.get $t))))
        (local.set $c1 (i32.add (local.get $c) (select (local.get $ldc) (i32.const 32) (local.get $full))))
        (local.set $c2 (i32.add (local.get $c1) (select (local.get $ldc) (i32.const 32) (local.get $full))))
        (local.set $c3 (i32.add (local.get $c2) (select (local.get $ldc) (i32.const 32) (local.get $full))))
        (if (i32.eq (local.get $mode) (i32.const 2))
          (then
            (local.set $s00 (v128.load (local.get $c))) (local.set $s01 (v128.load offset=16 (local.get $c)))
            (local.set $s10 (v128.load (local.get $c1))) (local.set $s11 (v128.load offset=16 (local.get $c1)))
            (local.set $s20 (v128.load (local.get $c2))) (local.set $s21 (v128.load offset=16 (local.get $c2)))
            (local.set $s30 (v128.load (local.get $c3))) (local.set $s31 (v128.load offset=16 (local.get $c3))))
          (else
            (local.set $s00 (v128.const f64x2 0 0)) (local.set $s01 (v128.const f64x2 0 0))
            (local.set $s10 (v128.const f64x2 0 0)) (local.set $s11 (v128.const f64x2 0 0))
            (local.set $s20 (v128.const f64x2 0 0)) (local.set $s21 (v128.const f64x2 0 0))
            (local.set $s30 (v128.const f64x2 0 0)) (local.set $s31 (v128.const f64x2 0 0))))
        (local.set $p (i32.add (local.get $pP) (i32.mul (i32.shr_u (local.get $rp) (i32.const 2))
          (local.get $panel))))
        (local.set $q (i32.add (local.get $pQ) (i32.mul (i32.shr_u (local.get $cp) (i32.const 2))
          (local.get $panel))))
        (local.set $pe (i32.add (local.get $p) (local.get $panel)))
        (block $sd (loop $sl
          (br_if $sd (i32.ge_u (local.get $p) (local.get $pe)))
          (local.set $b0 (v128.load (local.get $q)))
          (local.set $b1 (v128.load offset=16 (local.get $q)))
          (local.set $x (v128.load64_splat (local.get $p)))
          (local.set $s00 (f64x2.add (local.get $s00) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $s01 (f64x2.add (local.get $s01) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load64_splat offset=8 (local.get $p)))
          (local.set $s10 (f64x2.add (local.get $s10) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $s11 (f64x2.add (local.get $s11) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load64_splat offset=16 (local.get $p)))
          (local.set $s20 (f64x2.add (local.get $s20) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $s21 (f64x2.add (local.get $s21) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load64_splat offset=24 (local.get $p)))
          (local.set $s30 (f64x2.add (local.get $s30) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $s31 (f64x2.add (local.get $s31) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $p (i32.add (local.get $p) (i32.const 32)))
          (local.set $q (i32.add (local.get $q) (i32.const 32)))
          (br $sl)))
        (if (i32.eq (local.get $mode) (i32.const 1))
          (then
            (local.set $s00 (f64x2.add (v128.load (local.get $c)) (local.get $s00)))
            (local.set $s01 (f64x2.add (v128.load offset=16 (local.get $c)) (local.get $s01)))
            (local.set $s10 (f64x2.add (v128.load (local.get $c1)) (local.get $s10)))
            (local.set $s11 (f64x2.add (v128.load offset=16 (local.get $c1)) (local.get $s11)))
            (local.set $s20 (f64x2.add (v128.load (local.get $c2)) (local.get $s20)))
            (local.set $s21 (f64x2.add (v128.load offset=16 (local.get $c2)) (local.get $s21)))
            (local.set $s30 (f64x2.add (v128.load (local.get $c3)) (local.get $s30)))
            (local.set $s31 (f64x2.add (v128.load offset=16 (local.get $c3)) (local.get $s31)))))
        (v128.store (local.get $c) (local.get $s00)) (v128.store offset=16 (local.get $c) (local.get $s01))
        (v128.store (local.get $c1) (local.get $s10)) (v128.store offset=16 (local.get $c1) (local.get $s11))
        (v128.store (local.get $c2) (local.get $s20)) (v128.store offset=16 (local.get $c2) (local.get $s21))
        (v128.store (local.get $c3) (local.get $s30)) (v128.store offset=16 (local.get $c3) (local.get $s31))
        (if (i32.eqz (local.get $full))
          (then
            (call $edge
              (i32.add (local.get $pC) (i32.add (i32.mul (local.get $rp) (local.get $ldc)) (i32.shl
                (local.get $cp) (i32.const 3))))
              (local.get $t) (local.get $ldc) (local.get $nr) (local.get $nc) (i32.const 0))))
        (local.set $rp (i32.add (local.get $rp) (i32.const 4)))
        (br $rl)))
      (local.set $cp (i32.add (local.get $cp) (i32.const 4)))
      (br $cl)))
  )

  ;; C (m×k) += Aᵀ B (A: n×m, B: n×k): C[j][t] = ((C[j][t] + A[0][j]B[0][t]) + A[1][j]B[1][t]) + …
  ;; $pS: scratch of 32·n·(⌈m/4⌉ + ⌈k/4⌉) + 128 bytes.
  (func (export "addAtB")
    (param $pA i32) (param $pB i32) (param $pC i32) (param $pS i32) (param $n i32) (param $m i32) (param $k i32)
    (local $pQ i32) (local $t i32)
    (local.set $pQ (i32.add (local.get $pS)
      (i32.shl (i32.mul (i32.shr_u (i32.add (local.get $m) (i32.const 3)) (i32.const 2)) (local.get $n))
        (i32.const 5))))
    (local.set $t (i32.add (local.get $pQ)
      (i32.shl (i32.mul (i32.shr_u (i32.add (local.get $k) (i32.const 3)) (i32.const 2)) (local.get $n))
        (i32.const 5))))
    ;; rows of C: columns of A (8 bytes apart), step i: a row of A; columns of C: columns of B
    (call $pack (local.get $pS) (local.get $pA) (local.get $m) (local.get $n) (i32.const 8) (i32.shl
      (local.get $m) (i32.const 3)))
    (call $pack (local.get $pQ) (local.get $pB) (local.get $k) (local.get $n) (i32.const 8) (i32.shl
      (local.get $k) (i32.const 3)))
    (call $tiles (local.get $pS) (local.get $pQ) (local.get $pC) (local.get $t)
      (local.get $m) (local.get $k) (local.get $n) (i32.shl (local.get $k) (i32.const 3)) (i32.const 2))
  )

  ;; C (n×k) += A B (A: n×m, B: m×k): C[i][t] = ((C[i][t] + A[i][0]B[0][t]) + A[i][1]B[1][t]) + …
  ;; $pS: scratch of 32·m·(⌈n/4⌉ + ⌈k/4⌉) + 128 bytes.
  (func (export "addAB")
    (param $pA i32) (param $pB i32) (param $pC i32) (param $pS i32) (param $n i32) (param $m i32) (param $k i32)
    (local $pQ i32) (local $t i32)
    (local.set $pQ (i32.add (local.get $pS)
      (i32.shl (i32.mul (i32.shr_u (i32.add (local.get $n) (i32.const 3)) (i32.const 2)) (local.get $m))
        (i32.const 5))))
    (local.set $t (i32.add (local.get $pQ)
      (i32.shl (i32.mul (i32.shr_u (i32.add (local.get $k) (i32.const 3)) (i32.const 2)) (local.get $m))
        (i32.const 5))))
    ;; rows of C: rows of A, step j: a column of A; columns of C: columns of B, step j: a row of B
    (call $pack (local.get $pS) (local.get $pA) (local.get $n) (local.get $m) (i32.shl (local.get $m)
      (i32.const 3)) (i32.const 8))
    (call $pack (local.get $pQ) (local.get $pB) (local.get $k) (local.get $m) (i32.const 8) (i32.shl
      (local.get $k) (i32.const 3)))
    (call $tiles (local.get $pS) (local.get $pQ) (local.get $pC) (local.get $t)
      (local.get $n) (local.get $k) (local.get $m) (i32.shl (local.get $k) (i32.const 3)) (i32.const 2))
  )

  ;; C[0..2) and C[2..4) at $c ← the two vectors, or C + them when $acc ≠ 0.
  (func $put (param $acc i32) (param $c i32) (param $u v128) (param $w v128)
    (if (local.get $acc)
      (then
        (local.set $u (f64x2.add (v128.load (local.get $c)) (local.get $u)))
        (local.set $w (f64x2.add (v128.load offset=16 (local.get $c)) (local.get $w)))))
    (v128.store (local.get $c) (local.get $u))
    (v128.store offset=16 (local.get $c) (local.get $w)))

  ;; C (n×m) = A (n×k) Bᵀ (B: m×k), or C += A Bᵀ when $acc ≠ 0: C[i][j] = (0 + A[i][0]B[j][0]) + …,
  ;; then added to C[i][j] if $acc. The rows of B (a layer's weights, the large factor) are read in
  ;; place, four at a time, splatted, against the packed rows of A (two vectors per step); each tile
  ;; is written transposed by shuffles. A missing fourth row of B reads the panel's first row again
  ;; (never stored). $pS: scratch of 32·k·⌈n/4⌉ + 128 bytes.
  (func (export "mulABt")
    (param $pA i32) (param $pB i32) (param $pC i32) (param $pS i32)
    (param $n i32) (param $m i32) (param $k i32) (param $acc i32)
    (local $kb i32) (local $ldc i32) (local $panel i32) (local $t i32) (local $jp i32) (local $ip i32)
    (local $o1 i32) (local $o2 i32) (local $o3 i32) (local $p i32) (local $pe i32) (local $q i32)
    (local $c i32) (local $rs i32) (local $full i32) (local $nr i32) (local $nc i32)
    (local $x v128) (local $b0 v128) (local $b1 v128)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
    (local.set $ldc (i32.shl (local.get $m) (i32.const 3)))
    (local.set $panel (i32.shl (local.get $k) (i32.const 5)))
    (local.set $t (i32.add (local.get $pS)
      (i32.mul (i32.shr_u (i32.add (local.get $n) (i32.const 3)) (i32.const 2)) (local.get $panel))))
    ;; rows of A, four per panel, step t: a column of A
    (call $pack (local.get $pS) (local.get $pA) (local.get $n) (local.get $k) (local.get $kb) (i32.const 8))
    (block $jd (loop $jl
      (br_if $jd (i32.ge_u (local.get $jp) (local.get $m)))
      (local.set $nc (i32.sub (local.get $m) (local.get $jp)))
      (local.set $o1 (select (local.get $kb) (i32.const 0) (i32.gt_u (local.get $nc) (i32.const 1))))
      (local.set $o2 (select (i32.shl (local.get $kb) (i32.const 1)) (i32.const 0)
        (i32.gt_u (local.get $nc) (i32.const 2))))
      (local.set $o3 (select (i32.mul (local.get $kb) (i32.const 3)) (i32.const 0)
        (i32.gt_u (local.get $nc) (i32.const 3))))
      (local.set $ip (i32.const 0))
      (block $id (loop $il
        (br_if $id (i32.ge_u (local.get $ip) (local.get $n)))
        (local.set $nr (i32.sub (local.get $n) (local.get $ip)))
        (local.set $s00 (v128.const f64x2 0 0)) (local.set $s01 (v128.const f64x2 0 0))
        (local.set $s10 (v128.const f64x2 0 0)) (local.set $s11 (v128.const f64x2 0 0))
        (local.set $s20 (v128.const f64x2 0 0)) (local.set $s21 (v128.const f64x2 0 0))
        (local.set $s30 (v128.const f64x2 0 0)) (local.set $s31 (v128.const f64x2 0 0))
        (local.set $p (i32.add (local.get $pB) (i32.mul (local.get $jp) (local.get $kb))))
        (local.set $pe (i32.add (local.get $p) (local.get $kb)))
        (local.set $q (i32.add (local.get $pS) (i32.mul (i32.shr_u (local.get $ip) (i32.const 2))
          (local.get $panel))))
        (block $sd (loop $sl
          (br_if $sd (i32.ge_u (local.get $p) (local.get $pe)))
          (local.set $b0 (v128.load (local.get $q)))
          (local.set $b1 (v128.load offset=16 (local.get $q)))
          (local.set $x (v128.load64_splat (local.get $p)))
          (local.set $s00 (f64x2.add (local.get $s00) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $s01 (f64x2.add (local.get $s01) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load64_splat (i32.add (local.get $p) (local.get $o1))))
          (local.set $s10 (f64x2.add (local.get $s10) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $s11 (f64x2.add (local.get $s11) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load64_splat (i32.add (local.get $p) (local.get $o2))))
          (local.set $s20 (f64x2.add (local.get $s20) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $s21 (f64x2.add (local.get $s21) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load64_splat (i32.add (local.get $p) (local.get $o3))))
          (local.set $s30 (f64x2.add (local.get $s30) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $s31 (f64x2.add (local.get $s31) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $p (i32.add (local.get $p) (i32.const 8)))
          (local.set $q (i32.add (local.get $q) (i32.const 32)))
          (br $sl)))
        ;; rows i, i+1 from lanes 0 and 1 of the first vectors, rows i+2, i+3 of the second
        (local.set $full (i32.and (i32.ge_u (local.get $nr) (i32.const 4)) (i32.ge_u (local.get $nc) (i32.const 4))))
        (local.set $c (i32.add (local.get $pC)
          (i32.add (i32.mul (local.get $ip) (local.get $ldc)) (i32.shl (local.get $jp) (i32.const 3)))))
        (local.set $rs (local.get $ldc))
        (if (i32.eqz (local.get $full))
          (then
            (call $edge (local.get $c) (local.get $t) (local.get $ldc) (local.get $nr) (local.get $nc) (i32.const 1))
            (local.set $c (local.get $t))
            (local.set $rs (i32.const 32))))
        (call $put (local.get $acc) (local.get $c) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (local.get $s00) (local.get $s10)) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (local.get $s20) (local.get $s30)))
        (call $put (local.get $acc) (i32.add (local.get $c) (i32.mul (local.get $rs) (i32.const 1)))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $s00) (local.get $s10))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $s20) (local.get $s30)))
        (call $put (local.get $acc) (i32.add (local.get $c) (i32.mul (local.get $rs) (i32.const 2)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $s01) (local.get $s11))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $s21) (local.get $s31)))
        (call $put (local.get $acc) (i32.add (local.get $c) (i32.mul (local.get $rs) (i32.const 3)))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $s01) (local.get $s11))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $s21) (local.get $s31)))
        (if (i32.eqz (local.get $full))
          (then
            (call $edge
              (i32.add (local.get $pC) (i32.add (i32.mul (local.get $ip) (local.get $ldc)) (i32.shl
                (local.get $jp) (i32.const 3))))
              (local.get $t) (local.get $ldc) (local.get $nr) (local.get $nc) (i32.const 0))))
        (local.set $ip (i32.add (local.get $ip) (i32.const 4)))
        (br $il)))
      (local.set $jp (i32.add (local.get $jp) (i32.const 4)))
      (br $jl)))
  )
)
