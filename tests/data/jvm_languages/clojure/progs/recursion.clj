(ns progs.recursion (:gen-class))
(defn gcd [a b] (if (zero? b) a (recur b (mod a b))))
(defn hanoi [n] (if (zero? n) 0 (+ 1 (* 2 (hanoi (dec n))))))
(defn perms [xs] (if (empty? xs) [[]] (for [x xs p (perms (remove #{x} xs))] (cons x p))))
(defn queens [n]
  (letfn [(safe? [c cols] (every? (fn [[d cc]] (and (not= cc c) (not= (Math/abs (- cc c)) (inc d)))) (map-indexed vector cols)))
          (place [row cols] (if (= row n) 1 (reduce + (for [c (range n) :when (safe? c cols)] (place (inc row) (cons c cols))))))]
    (place 0 ())))
(defn -main [& args]
  (println (gcd (* 1071 1000003) (* 462 1000003)))
  (println (hanoi 12))
  (println (map #(apply str %) (perms [1 2 3])))
  (println (queens 6))
  (println (.pow (biginteger 2) 100))
  (println (reduce *' (range 1 21)))
  (println (loop [i 0 acc []] (if (= i 5) acc (recur (inc i) (conj acc (* i i)))))))
