"""Dynamic int8 quantization of every MatMul with a constant weight, MatMulInteger style
(DynamicQuantizeLinear → MatMulInteger → Cast → Mul), which ORT runs natively in the browser;
weight-only DequantizeLinear would be 4× smaller too but ~2× slower there."""
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto


def quantize_dynamic_int8(src: str, dst: str) -> int:
    model = onnx.load(src)
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    nodes, count = [], 0
    for node in graph.node:
        weight = inits.get(node.input[1]) if node.op_type == "MatMul" else None
        if weight is None or len(weight.dims) != 2:
            nodes.append(node)
            continue
        count += 1
        w = numpy_helper.to_array(weight).astype(np.float32)
        # Symmetric per-column int8: zero point 0, scale = max|w| / 127 for each output column.
        scale = np.maximum(np.abs(w).max(axis=0), 1e-8) / 127.0
        wq = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
        p = f"{node.name or node.output[0]}_q"
        graph.initializer.extend([
            numpy_helper.from_array(wq, f"{p}_W"),
            numpy_helper.from_array(scale.astype(np.float32), f"{p}_Wscale"),
            numpy_helper.from_array(np.zeros(w.shape[1], dtype=np.int8), f"{p}_Wzero"),
        ])
        nodes += [
            helper.make_node("DynamicQuantizeLinear", [node.input[0]], [f"{p}_A", f"{p}_Ascale", f"{p}_Azero"], name=f"{p}_dql"),
            helper.make_node("MatMulInteger", [f"{p}_A", f"{p}_W", f"{p}_Azero", f"{p}_Wzero"], [f"{p}_i32"], name=f"{p}_mmi"),
            helper.make_node("Cast", [f"{p}_i32"], [f"{p}_f32"], to=TensorProto.FLOAT, name=f"{p}_cast"),
            helper.make_node("Mul", [f"{p}_Ascale", f"{p}_Wscale"], [f"{p}_scale"], name=f"{p}_scale"),
            helper.make_node("Mul", [f"{p}_f32", f"{p}_scale"], [node.output[0]], name=f"{p}_out"),
        ]
    del graph.node[:]
    graph.node.extend(nodes)
    used = {i for n in graph.node for i in n.input}
    keep = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(keep)
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    return count
