(ns progs.threads (:gen-class))
(defn -main [& args]
  (let [futs (map #(future (* % %)) (range 1 11))]
    (println (reduce + (map deref futs))))
  (let [p (promise)]
    (future (deliver p :done))
    (println @p))
  (let [counter (atom 0)
        ts (doall (for [_ (range 4)] (Thread. #(dotimes [_ 100] (swap! counter inc)))))]
    (doseq [t ts] (.start t))
    (doseq [t ts] (.join t))
    (println @counter))
  (let [ag (agent 0)]
    (send ag + 5)
    (await ag)
    (println @ag))
  (println (pmap inc [1 2 3]))
  (shutdown-agents))
