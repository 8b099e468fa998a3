#!/usr/bin/python3
"""Random checkpointed/target topology pairs for the CRIU oracle (run-oracle.sh). Deterministic for a seed.
Prints cases in harness.c's input format; node fields in the order of harness.c read_node.
gen-cases.py --fixtures REPO_ROOT: the golden fixture pairs instead (see fixtures())."""
import os, random, re, sys

FIELDS = ["id", "gpu_id", "cpu_cores_count", "simd_count", "mem_banks_count", "caches_count", "io_links_count",
    "max_waves_per_simd", "lds_size_in_kb", "num_gws", "wave_front_size", "array_count", "simd_arrays_per_engine",
    "cu_per_simd_array", "simd_per_cu", "max_slots_scratch_cu", "vendor_id", "device_id", "domain",
    "drm_render_minor", "hive_id", "num_sdma_engines", "num_sdma_xgmi_engines", "num_sdma_queues_per_engine",
    "num_cp_queues", "fw_version", "capability", "sdma_fw_version", "vram_public", "vram_size"]
MODELS = [dict(simd_count=1216, device_id=29857, wave_front_size=64), dict(simd_count=192, device_id=29772, wave_front_size=32)]


def gpu(r, model):
    g = {f: 0 for f in FIELDS}
    g.update(mem_banks_count=1, max_waves_per_simd=8, lds_size_in_kb=64, num_gws=64, array_count=8,
             simd_arrays_per_engine=1, cu_per_simd_array=10, simd_per_cu=4, max_slots_scratch_cu=32, vendor_id=4098,
             num_sdma_engines=2, num_sdma_xgmi_engines=6, num_sdma_queues_per_engine=8, num_cp_queues=24,
             fw_version=r.choice([100, 100, 100, 101]), capability=1000, sdma_fw_version=20, vram_public=1,
             vram_size=r.choice([64, 64, 64, 48]) << 30, caches_count=r.choice([200, 200, 201]))
    g.update(model)
    return g


def host(r, ngpus, ncpus, model_of, hives, one_way):
    nodes = []
    for c in range(ncpus):
        n = {f: 0 for f in FIELDS}
        n.update(id=c, cpu_cores_count=32, links=[])
        nodes.append(n)
    ids = r.sample(range(1, 65536), ngpus)
    for i in range(ngpus):
        g = gpu(r, MODELS[model_of[i]])
        g.update(id=ncpus + i, gpu_id=ids[i], drm_render_minor=128 + i, links=[])
        nodes.append(g)
    gpus = nodes[ncpus:]
    for i, g in enumerate(gpus):
        cpu = nodes[r.randrange(ncpus)]
        g["links"].append((2, cpu["id"]))
        if i not in one_way:
            cpu["links"].append((2, g["id"]))
    for h in hives:
        for a in h:
            for b in h:
                if a != b:
                    gpus[a]["links"].append((11, gpus[b]["id"]))
    for n in nodes:
        n["io_links_count"] = len(n["links"])
    return nodes


def mutate(r, nodes):
    gpus = [n for n in nodes if n["gpu_id"]]
    kind = r.choice(["order", "order", "ids", "fw", "vram", "drop", "cpu", "links", "caches", "cap", "none"])
    if kind == "ids":
        for g, new in zip(gpus, r.sample(range(1, 65536), len(gpus))):
            g["gpu_id"] = new
    elif kind == "fw" and gpus:
        r.choice(gpus)["fw_version"] = r.choice([99, 102])
    elif kind == "vram" and gpus:
        r.choice(gpus)["vram_size"] = r.choice([32, 96]) << 30
    elif kind == "caches" and gpus:
        r.choice(gpus)["caches_count"] = 199
    elif kind == "cap" and gpus:
        r.choice(gpus)["capability"] = 1001
    elif kind == "drop" and len(gpus) > 1:
        victim = r.choice(gpus)
        nodes.remove(victim)
        for n in nodes:
            n["links"] = [l for l in n["links"] if l[1] != victim["id"]]
    elif kind == "cpu":
        cpus = [n for n in nodes if not n["gpu_id"]]
        g = r.choice(gpus)
        to = r.choice(cpus)["id"]
        g["links"] = [(t, to) if t == 2 else (t, d) for t, d in g["links"]]
    elif kind == "links" and gpus:
        g = r.choice(gpus)
        g["io_links_count"] += 1
    r.shuffle(nodes)
    for n in nodes:
        if r.random() < 0.3:
            r.shuffle(n["links"])
    return nodes


def case(r):
    ngpus = r.choice([1, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6])
    ncpus = r.choice([1, 1, 2])
    same = r.random() < 0.6
    model_of = [0] * ngpus if same else [r.randrange(2) for _ in range(ngpus)]
    hives = []
    if ngpus >= 2 and r.random() < 0.4:
        members = list(range(ngpus))
        r.shuffle(members)
        cut = r.randrange(2, ngpus + 1)
        hives.append(members[:cut])
        if ngpus - cut >= 2 and r.random() < 0.5:
            hives.append(members[cut:])
    one_way = {i for i in range(ngpus) if r.random() < 0.1}
    seed = r.random()
    src = host(random.Random(seed), ngpus, ncpus, model_of, hives, one_way)
    if r.random() < 0.2:
        # The shape that makes CRIU loop: identical GPUs, one of the target's too old for all of them.
        for g in src:
            if g["gpu_id"]:
                g.update(fw_version=100, vram_size=64 << 30, caches_count=200)
        dest = host(random.Random(seed), ngpus, ncpus, model_of, hives, one_way)
        gs = [g for g in dest if g["gpu_id"]]
        for g in gs:
            g.update(fw_version=100, vram_size=64 << 30, caches_count=200)
        gs[r.randrange(len(gs))]["fw_version"] = 99
        r.shuffle(dest)
    elif r.random() < 0.1:
        dest = host(r, r.choice([ngpus, ngpus + 1]), r.choice([1, 2]), [r.randrange(2) for _ in range(ngpus + 1)], [], set())
    else:
        dest = mutate(r, host(random.Random(seed), ngpus, ncpus, model_of,
                              hives if r.random() < 0.85 else [], one_way))
    r.shuffle(src)
    env = [0 if r.random() < 0.12 else 1 for _ in range(7)]
    return src, dest, env


SWITCHES = ["KFD_FW_VER_CHECK", "KFD_SDMA_FW_VER_CHECK", "KFD_CACHES_COUNT_CHECK", "KFD_NUM_GWS_CHECK",
    "KFD_VRAM_SIZE_CHECK", "KFD_NUMA_CHECK", "KFD_CAPABILITY_CHECK"]
GOLDEN = re.compile(r'\{ "([^"]+)", "([^"]+)", "([^"]+)", "([^"]*)", (?:true|false), "\w+" \}')


def fixtures(root):
    """Every case of HostCheckGoldenTests (checkpoint of one fixtures/topology host, restore on another, with
    its environment) as harness.c's fixture input. A switch takes getenv_bool's reading (amdgpu_plugin.c:
    '0'/'no' off, '1'/'yes' on, anything else ignored, so the default, on)."""
    with open(os.path.join(root, "tests", "CriuImage.Tests", "Topology", "HostCheckGoldenTests.cs")) as f:
        cases = GOLDEN.findall(f.read())
    for number, (name, source, target, env) in enumerate(cases):
        switches = [1] * 7
        for assignment in filter(None, env.split(" ")):
            var, value = assignment.split("=", 1)
            if value == "0" or value.lower() == "no":
                switches[SWITCHES.index(var)] = 0
        print(f"fixture {name} {source} {target} {env or '-'}")
        print("env " + " ".join(map(str, switches)))
        print(f"load {number} fixtures/topology/{source} fixtures/topology/{target}")


def main():
    if sys.argv[1] == "--fixtures":
        fixtures(sys.argv[2])
        return
    count, seed = int(sys.argv[1]), int(sys.argv[2])
    r = random.Random(seed)
    for number in range(count):
        src, dest, env = case(r)
        print(f"case {number}")
        print("env " + " ".join(map(str, env)))
        for side, nodes in (("s", src), ("d", dest)):
            for n in nodes:
                print(side + " " + " ".join(str(n[f]) for f in FIELDS))
                for t, to in n["links"]:
                    print(f"l {t} {to}")
        print("end")


main()
