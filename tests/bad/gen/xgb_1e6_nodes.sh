# An XGBoost model whose one tree is a chain of 1e6 nodes (each split's left child a leaf,
# its right child the next split): 500000 splits deep.
python3 - "$1" <<'PY'
import json, sys
n = 1000001
left, right, cond, idx = [], [], [], []
for i in range(n):
    if i % 2 == 0 and i + 2 < n:
        left.append(i + 1); right.append(i + 2); cond.append(float(i)); idx.append(0)
    else:
        left.append(-1); right.append(-1); cond.append(0.5); idx.append(0)
tree = {"base_weights": [0] * n, "categories": [], "categories_nodes": [], "categories_segments": [],
        "categories_sizes": [], "default_left": [0] * n, "id": 0, "left_children": left,
        "loss_changes": [0] * n, "parents": [2147483647] + [0] * (n - 1), "right_children": right,
        "split_conditions": cond, "split_indices": idx, "split_type": [0] * n, "sum_hessian": [1] * n,
        "tree_param": {"num_deleted": "0", "num_feature": "2", "num_nodes": str(n), "size_leaf_vector": "0"}}
m = {"learner": {"attributes": {}, "feature_names": ["age", "income"], "feature_types": ["float", "float"],
     "gradient_booster": {"model": {"gbtree_model_param": {"num_parallel_tree": "1", "num_trees": "1",
     "size_leaf_vector": "0"}, "tree_info": [0], "trees": [tree]}, "name": "gbtree"},
     "learner_model_param": {"base_score": "5E-1", "num_class": "0", "num_feature": "2", "num_target": "1"},
     "objective": {"name": "binary:logistic", "reg_loss_param": {"scale_pos_weight": "1"}}}, "version": [1, 7, 4]}
json.dump(m, open(sys.argv[1], "w"))
PY
