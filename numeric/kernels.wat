;; The three matrix products of a dense layer (numeric/linalg.ts), in WebAssembly SIMD (f64x2).
;;
;; Every product computes each entry with the same float64 operations in the same order as the
;; plain-JavaScript kernels in numeric/linalg.ts, so the results are identical bit for bit: the two
;; lanes of a vector hold two *independent* entries (two rows of A in mulABt, two consecutive
;; columns of C in addAtB and addAB), never two partial sums of one entry. What changes is only
;; the loop order around those per-entry sums, chosen so that the block being reused stays in cache.
;;
;; Matrices are row-major float64 arrays at byte offsets into the exported memory; the caller
;; (numeric/kernels.ts) copies them in and out. Built by scripts/build-wasm.js (wabt, from npm).
(module
  (memory (export "memory") 1)

;; C (n×m) = A (n×k) Bᵀ (B: m×k), or C += A Bᵀ when $acc ≠ 0. $pS: scratch of 32·k·⌈n/4⌉ bytes.
  ;; Each C[i][j] = ((0 + A[i][0]B[j][0]) + A[i][1]B[j][1]) + … (then added to C[i][j] if $acc).
  ;; Rows of A are packed four at a time, interleaved in two vectors (rows 4q, 4q+1 and 4q+2, 4q+3;
  ;; missing last rows are zero and never stored), so each element of B read serves four rows.
  (func (export "mulABt")
    (param $pA i32) (param $pB i32) (param $pC i32) (param $pS i32)
    (param $n i32) (param $m i32) (param $k i32) (param $acc i32)
    (local $quads i32) (local $q i32) (local $r i32) (local $t i32) (local $j i32) (local $kb i32)
    (local $src i32) (local $dst i32) (local $ap i32) (local $c i32) (local $mb i32)
    (local $b0 i32) (local $b1 i32) (local $b2 i32) (local $b3 i32)
    (local $x0 v128) (local $x1 v128) (local $y v128)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
    (local.set $mb (i32.shl (local.get $m) (i32.const 3)))
    (local.set $quads (i32.shr_u (i32.add (local.get $n) (i32.const 3)) (i32.const 2)))
    ;; pack: S[q][t] = (A[4q][t], A[4q+1][t]), (A[4q+2][t], A[4q+3][t]); a missing row reads as 0
    (local.set $r (i32.const 0))
    (block $rd (loop $rl
      (br_if $rd (i32.ge_u (local.get $r) (i32.shl (local.get $quads) (i32.const 2))))
      ;; row r goes to quad r/4, lane slot r mod 4 (byte 8·(r mod 4) of each 32-byte group)
      (local.set $dst
        (i32.add
          (i32.add (local.get $pS)
                   (i32.mul (i32.shr_u (local.get $r) (i32.const 2)) (i32.shl (local.get $kb) (i32.const 2))))
          (i32.shl (i32.and (local.get $r) (i32.const 3)) (i32.const 3))))
      (local.set $src (i32.add (local.get $pA) (i32.mul (local.get $r) (local.get $kb))))
      (local.set $t (i32.const 0))
      (block $td (loop $tl
        (br_if $td (i32.ge_u (local.get $t) (local.get $kb)))
        (f64.store (i32.add (local.get $dst) (i32.shl (local.get $t) (i32.const 2)))
          (if (result f64) (i32.lt_u (local.get $r) (local.get $n))
            (then (f64.load (i32.add (local.get $src) (local.get $t))))
            (else (f64.const 0))))
        (local.set $t (i32.add (local.get $t) (i32.const 8)))
        (br $tl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl)))
    ;; four rows of B (kept in cache) against every quad of rows of A
    (local.set $j (i32.const 0))
    (block $jdone (loop $jloop
      (br_if $jdone (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $m)))
      (local.set $b0 (i32.add (local.get $pB) (i32.mul (local.get $j) (local.get $kb))))
      (local.set $b1 (i32.add (local.get $b0) (local.get $kb)))
      (local.set $b2 (i32.add (local.get $b1) (local.get $kb)))
      (local.set $b3 (i32.add (local.get $b2) (local.get $kb)))
      (local.set $q (i32.const 0))
      (block $qd (loop $ql
        (br_if $qd (i32.ge_u (local.get $q) (local.get $quads)))
        (local.set $ap (i32.add (local.get $pS) (i32.mul (local.get $q) (i32.shl (local.get $kb) (i32.const 2)))))
        (local.set $s00 (v128.const f64x2 0 0)) (local.set $s01 (v128.const f64x2 0 0))
        (local.set $s10 (v128.const f64x2 0 0)) (local.set $s11 (v128.const f64x2 0 0))
        (local.set $s20 (v128.const f64x2 0 0)) (local.set $s21 (v128.const f64x2 0 0))
        (local.set $s30 (v128.const f64x2 0 0)) (local.set $s31 (v128.const f64x2 0 0))
        (local.set $t (i32.const 0))
        (block $td2 (loop $tl2
          (br_if $td2 (i32.ge_u (local.get $t) (local.get $kb)))
          (local.set $x0 (v128.load (i32.add (local.get $ap) (i32.shl (local.get $t) (i32.const 2)))))
          (local.set $x1 (v128.load offset=16 (i32.add (local.get $ap) (i32.shl (local.get $t) (i32.const 2)))))
          (local.set $y (f64x2.splat (f64.load (i32.add (local.get $b0) (local.get $t)))))
          (local.set $s00 (f64x2.add (local.get $s00) (f64x2.mul (local.get $x0) (local.get $y))))
          (local.set $s01 (f64x2.add (local.get $s01) (f64x2.mul (local.get $x1) (local.get $y))))
          (local.set $y (f64x2.splat (f64.load (i32.add (local.get $b1) (local.get $t)))))
          (local.set $s10 (f64x2.add (local.get $s10) (f64x2.mul (local.get $x0) (local.get $y))))
          (local.set $s11 (f64x2.add (local.get $s11) (f64x2.mul (local.get $x1) (local.get $y))))
          (local.set $y (f64x2.splat (f64.load (i32.add (local.get $b2) (local.get $t)))))
          (local.set $s20 (f64x2.add (local.get $s20) (f64x2.mul (local.get $x0) (local.get $y))))
          (local.set $s21 (f64x2.add (local.get $s21) (f64x2.mul (local.get $x1) (local.get $y))))
          (local.set $y (f64x2.splat (f64.load (i32.add (local.get $b3) (local.get $t)))))
          (local.set $s30 (f64x2.add (local.get $s30) (f64x2.mul (local.get $x0) (local.get $y))))
          (local.set $s31 (f64x2.add (local.get $s31) (f64x2.mul (local.get $x1) (local.get $y))))
          (local.set $t (i32.add (local.get $t) (i32.const 8)))
          (br $tl2)))
        ;; rows 4q … 4q+3 that exist: lane 0 and 1 of the first vectors, then of the second
        (local.set $r (i32.shl (local.get $q) (i32.const 2)))
        (local.set $c (i32.add (local.get $pC)
          (i32.shl (i32.add (i32.mul (local.get $r) (local.get $m)) (local.get $j)) (i32.const 3))))
        (call $put4 (local.get $c) (local.get $acc)
          (f64x2.extract_lane 0 (local.get $s00)) (f64x2.extract_lane 0 (local.get $s10))
          (f64x2.extract_lane 0 (local.get $s20)) (f64x2.extract_lane 0 (local.get $s30)))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $n))
          (then
            (call $put4 (i32.add (local.get $c) (local.get $mb)) (local.get $acc)
              (f64x2.extract_lane 1 (local.get $s00)) (f64x2.extract_lane 1 (local.get $s10))
              (f64x2.extract_lane 1 (local.get $s20)) (f64x2.extract_lane 1 (local.get $s30)))))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 2)) (local.get $n))
          (then
            (call $put4 (i32.add (local.get $c) (i32.shl (local.get $mb) (i32.const 1))) (local.get $acc)
              (f64x2.extract_lane 0 (local.get $s01)) (f64x2.extract_lane 0 (local.get $s11))
              (f64x2.extract_lane 0 (local.get $s21)) (f64x2.extract_lane 0 (local.get $s31)))))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 3)) (local.get $n))
          (then
            (call $put4 (i32.add (local.get $c) (i32.mul (local.get $mb) (i32.const 3))) (local.get $acc)
              (f64x2.extract_lane 1 (local.get $s01)) (f64x2.extract_lane 1 (local.get $s11))
              (f64x2.extract_lane 1 (local.get $s21)) (f64x2.extract_lane 1 (local.get $s31)))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $ql)))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $jloop)))
    ;; the last m mod 4 rows of B, one at a time
    (block $jd3 (loop $jl3
      (br_if $jd3 (i32.ge_u (local.get $j) (local.get $m)))
      (local.set $b0 (i32.add (local.get $pB) (i32.mul (local.get $j) (local.get $kb))))
      (local.set $q (i32.const 0))
      (block $qd3 (loop $ql3
        (br_if $qd3 (i32.ge_u (local.get $q) (local.get $quads)))
        (local.set $ap (i32.add (local.get $pS) (i32.mul (local.get $q) (i32.shl (local.get $kb) (i32.const 2)))))
        (local.set $s00 (v128.const f64x2 0 0))
        (local.set $s01 (v128.const f64x2 0 0))
        (local.set $t (i32.const 0))
        (block $td3 (loop $tl3
          (br_if $td3 (i32.ge_u (local.get $t) (local.get $kb)))
          (local.set $y (f64x2.splat (f64.load (i32.add (local.get $b0) (local.get $t)))))
          (local.set $s00 (f64x2.add (local.get $s00)
            (f64x2.mul (v128.load (i32.add (local.get $ap) (i32.shl (local.get $t) (i32.const 2)))) (local.get $y))))
          (local.set $s01 (f64x2.add (local.get $s01)
            (f64x2.mul (v128.load offset=16 (i32.add (local.get $ap) (i32.shl (local.get $t) (i32.const 2))))
                       (local.get $y))))
          (local.set $t (i32.add (local.get $t) (i32.const 8)))
          (br $tl3)))
        (local.set $r (i32.shl (local.get $q) (i32.const 2)))
        (local.set $c (i32.add (local.get $pC)
          (i32.shl (i32.add (i32.mul (local.get $r) (local.get $m)) (local.get $j)) (i32.const 3))))
        (call $put1 (local.get $c) (local.get $acc) (f64x2.extract_lane 0 (local.get $s00)))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $n))
          (then (call $put1 (i32.add (local.get $c) (local.get $mb)) (local.get $acc)
                  (f64x2.extract_lane 1 (local.get $s00)))))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 2)) (local.get $n))
          (then (call $put1 (i32.add (local.get $c) (i32.shl (local.get $mb) (i32.const 1))) (local.get $acc)
                  (f64x2.extract_lane 0 (local.get $s01)))))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 3)) (local.get $n))
          (then (call $put1 (i32.add (local.get $c) (i32.mul (local.get $mb) (i32.const 3))) (local.get $acc)
                  (f64x2.extract_lane 1 (local.get $s01)))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $ql3)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $jl3)))
  )

  (func $put1 (param $c i32) (param $acc i32) (param $v f64)
    (f64.store (local.get $c)
      (select (f64.add (f64.load (local.get $c)) (local.get $v)) (local.get $v) (local.get $acc))))

  (func $put4 (param $c i32) (param $acc i32) (param $v0 f64) (param $v1 f64) (param $v2 f64) (param $v3 f64)
    (call $put1 (local.get $c) (local.get $acc) (local.get $v0))
    (call $put1 (i32.add (local.get $c) (i32.const 8)) (local.get $acc) (local.get $v1))
    (call $put1 (i32.add (local.get $c) (i32.const 16)) (local.get $acc) (local.get $v2))
    (call $put1 (i32.add (local.get $c) (i32.const 24)) (local.get $acc) (local.get $v3)))

  ;; row[0..k) += ((s0·r0 + s1·r1) + s2·r2) + s3·r3, two columns per vector, the last one alone.
  (func $update4 (param $c i32) (param $r0 i32) (param $r1 i32) (param $r2 i32) (param $r3 i32)
    (param $s0 f64) (param $s1 f64) (param $s2 f64) (param $s3 f64) (param $k i32)
    (local $t i32) (local $kb i32) (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
    (local.set $v0 (f64x2.splat (local.get $s0)))
    (local.set $v1 (f64x2.splat (local.get $s1)))
    (local.set $v2 (f64x2.splat (local.get $s2)))
    (local.set $v3 (f64x2.splat (local.get $s3)))
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $t) (i32.const 16)) (local.get $kb)))
      (v128.store (i32.add (local.get $c) (local.get $t))
        (f64x2.add (v128.load (i32.add (local.get $c) (local.get $t)))
          (f64x2.add
            (f64x2.add
              (f64x2.add
                (f64x2.mul (local.get $v0) (v128.load (i32.add (local.get $r0) (local.get $t))))
                (f64x2.mul (local.get $v1) (v128.load (i32.add (local.get $r1) (local.get $t)))))
              (f64x2.mul (local.get $v2) (v128.load (i32.add (local.get $r2) (local.get $t)))))
            (f64x2.mul (local.get $v3) (v128.load (i32.add (local.get $r3) (local.get $t)))))))
      (local.set $t (i32.add (local.get $t) (i32.const 16)))
      (br $l)))
    (if (i32.lt_u (local.get $t) (local.get $kb))
      (then
        (f64.store (i32.add (local.get $c) (local.get $t))
          (f64.add (f64.load (i32.add (local.get $c) (local.get $t)))
            (f64.add
              (f64.add
                (f64.add
                  (f64.mul (local.get $s0) (f64.load (i32.add (local.get $r0) (local.get $t))))
                  (f64.mul (local.get $s1) (f64.load (i32.add (local.get $r1) (local.get $t)))))
                (f64.mul (local.get $s2) (f64.load (i32.add (local.get $r2) (local.get $t)))))
              (f64.mul (local.get $s3) (f64.load (i32.add (local.get $r3) (local.get $t))))))))))

  ;; row[0..k) += s·r
  (func $update1 (param $c i32) (param $r i32) (param $s f64) (param $k i32)
    (local $t i32) (local $kb i32) (local $v v128)
    (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
    (local.set $v (f64x2.splat (local.get $s)))
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $t) (i32.const 16)) (local.get $kb)))
      (v128.store (i32.add (local.get $c) (local.get $t))
        (f64x2.add (v128.load (i32.add (local.get $c) (local.get $t)))
          (f64x2.mul (local.get $v) (v128.load (i32.add (local.get $r) (local.get $t))))))
      (local.set $t (i32.add (local.get $t) (i32.const 16)))
      (br $l)))
    (if (i32.lt_u (local.get $t) (local.get $kb))
      (then
        (f64.store (i32.add (local.get $c) (local.get $t))
          (f64.add (f64.load (i32.add (local.get $c) (local.get $t)))
            (f64.mul (local.get $s) (f64.load (i32.add (local.get $r) (local.get $t)))))))))

  ;; C (m×k) += Aᵀ B (A: n×m, B: n×k). Rows of A and B four at a time, in order, as in linalg.ts
  ;; (a block whose four A entries are all 0 is skipped); row j of C stays in cache while the
  ;; blocks pass over it — each entry still receives the blocks in increasing order of i.
  (func (export "addAtB")
    (param $pA i32) (param $pB i32) (param $pC i32) (param $n i32) (param $m i32) (param $k i32)
    (local $i i32) (local $j i32) (local $mb i32) (local $kb i32) (local $cj i32) (local $a i32) (local $b i32)
    (local $s0 f64) (local $s1 f64) (local $s2 f64) (local $s3 f64)
    (local.set $mb (i32.shl (local.get $m) (i32.const 3)))
    (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
    (local.set $j (i32.const 0))
    (block $jd (loop $jl
      (br_if $jd (i32.ge_u (local.get $j) (local.get $m)))
      (local.set $cj (i32.add (local.get $pC) (i32.mul (local.get $j) (local.get $kb))))
      (local.set $i (i32.const 0))
      (block $id (loop $il
        (br_if $id (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $a (i32.add (local.get $pA) (i32.add (i32.mul (local.get $i) (local.get $mb))
                                                        (i32.shl (local.get $j) (i32.const 3)))))
        (local.set $s0 (f64.load (local.get $a)))
        (local.set $s1 (f64.load (i32.add (local.get $a) (local.get $mb))))
        (local.set $s2 (f64.load (i32.add (local.get $a) (i32.shl (local.get $mb) (i32.const 1)))))
        (local.set $s3 (f64.load (i32.add (local.get $a) (i32.mul (local.get $mb) (i32.const 3)))))
        (if (i32.eqz (i32.and (i32.and (f64.eq (local.get $s0) (f64.const 0)) (f64.eq (local.get $s1) (f64.const 0)))
                              (i32.and (f64.eq (local.get $s2) (f64.const 0)) (f64.eq (local.get $s3) (f64.const 0)))))
          (then
            (local.set $b (i32.add (local.get $pB) (i32.mul (local.get $i) (local.get $kb))))
            (call $update4 (local.get $cj)
              (local.get $b) (i32.add (local.get $b) (local.get $kb))
              (i32.add (local.get $b) (i32.shl (local.get $kb) (i32.const 1)))
              (i32.add (local.get $b) (i32.mul (local.get $kb) (i32.const 3)))
              (local.get $s0) (local.get $s1) (local.get $s2) (local.get $s3) (local.get $k))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $il)))
      (block $rd (loop $rl
        (br_if $rd (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s0 (f64.load (i32.add (local.get $pA) (i32.add (i32.mul (local.get $i) (local.get $mb))
                                                                   (i32.shl (local.get $j) (i32.const 3))))))
        (if (f64.ne (local.get $s0) (f64.const 0))
          (then
            (call $update1 (local.get $cj) (i32.add (local.get $pB) (i32.mul (local.get $i) (local.get $kb)))
              (local.get $s0) (local.get $k))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rl)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $jl)))
  )

  ;; C (n×k) += A B (A: n×m, B: m×k). Four rows of B per update of a row of C, in order, as in
  ;; linalg.ts (skipping a block whose four A entries are all 0); the block of B stays in cache while
  ;; it passes over every row of C — each entry still receives the blocks in increasing order of j.
  (func (export "addAB")
    (param $pA i32) (param $pB i32) (param $pC i32) (param $n i32) (param $m i32) (param $k i32)
    (local $i i32) (local $j i32) (local $mb i32) (local $kb i32) (local $a i32) (local $b i32) (local $c i32)
    (local $s0 f64) (local $s1 f64) (local $s2 f64) (local $s3 f64)
    (local.set $mb (i32.shl (local.get $m) (i32.const 3)))
    (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
    (local.set $j (i32.const 0))
    (block $jd (loop $jl
      (br_if $jd (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $m)))
      (local.set $b (i32.add (local.get $pB) (i32.mul (local.get $j) (local.get $kb))))
      (local.set $i (i32.const 0))
      (block $id (loop $il
        (br_if $id (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a (i32.add (local.get $pA) (i32.add (i32.mul (local.get $i) (local.get $mb))
                                                        (i32.shl (local.get $j) (i32.const 3)))))
        (local.set $s0 (f64.load (local.get $a)))
        (local.set $s1 (f64.load offset=8 (local.get $a)))
        (local.set $s2 (f64.load offset=16 (local.get $a)))
        (local.set $s3 (f64.load offset=24 (local.get $a)))
        (if (i32.eqz (i32.and (i32.and (f64.eq (local.get $s0) (f64.const 0)) (f64.eq (local.get $s1) (f64.const 0)))
                              (i32.and (f64.eq (local.get $s2) (f64.const 0)) (f64.eq (local.get $s3) (f64.const 0)))))
          (then
            (call $update4 (i32.add (local.get $pC) (i32.mul (local.get $i) (local.get $kb)))
              (local.get $b) (i32.add (local.get $b) (local.get $kb))
              (i32.add (local.get $b) (i32.shl (local.get $kb) (i32.const 1)))
              (i32.add (local.get $b) (i32.mul (local.get $kb) (i32.const 3)))
              (local.get $s0) (local.get $s1) (local.get $s2) (local.get $s3) (local.get $k))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $il)))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $jl)))
    (block $rd (loop $rl
      (br_if $rd (i32.ge_u (local.get $j) (local.get $m)))
      (local.set $b (i32.add (local.get $pB) (i32.mul (local.get $j) (local.get $kb))))
      (local.set $i (i32.const 0))
      (block $id2 (loop $il2
        (br_if $id2 (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s0 (f64.load (i32.add (local.get $pA) (i32.add (i32.mul (local.get $i) (local.get $mb))
                                                                   (i32.shl (local.get $j) (i32.const 3))))))
        (if (f64.ne (local.get $s0) (f64.const 0))
          (then
            (call $update1 (i32.add (local.get $pC) (i32.mul (local.get $i) (local.get $kb)))
              (local.get $b) (local.get $s0) (local.get $k))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $il2)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $rl)))
  )
)
