// egobutler avatar player: runs as the js_on_load of the avatar panel (gr.HTML), where
// `element` is the panel and `watch` calls back when the server sends a new reply.
// three.js comes from three.avatar.min.js (see README.md beside this file) as window.EgobutlerTHREE.
// The reply's motion (skeleton, root positions, local joint quaternions at `fps`) is in the
// data-motion attribute of .eb-avatar-meta; its speech is the <audio class="eb-avatar-audio">.
// The body is one SkinnedMesh: a capsule per bone, each rigidly bound to the bone that moves it.
(function () {
  const THREE = window.EgobutlerTHREE;
  const stage = document.createElement("div");
  stage.className = "eb-avatar-stage";
  stage.dataset.frame = "-1";
  // inline styles: the stage sits outside the panel, where the panel's scoped CSS does not reach
  stage.style.cssText = "width:100%;max-width:260px;aspect-ratio:1;margin:0 auto;border-radius:8px;overflow:hidden";
  element.before(stage); // outside the panel's template, which the server re-renders
  if (!THREE) {
    stage.textContent = "The 3D avatar could not load (three.js is missing).";
    return;
  }
  const canvas = document.createElement("canvas");
  canvas.className = "eb-avatar-canvas";
  canvas.width = 320;
  canvas.height = 320;
  canvas.style.cssText = "width:100%;height:100%;display:block";
  stage.appendChild(canvas);
  let renderer;
  try {
    renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
  } catch (err) {
    stage.textContent = "This browser cannot draw the 3D avatar (no WebGL); the reply is still spoken and shown.";
    stage.style.cssText = "padding:8px;font-size:0.85em";
    return;
  }
  renderer.setSize(320, 320, false);
  renderer.outputColorSpace = THREE.SRGBColorSpace;
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(0xf4f3ee);
  scene.add(new THREE.HemisphereLight(0xffffff, 0x8d8a80, 2.2));
  const sun = new THREE.DirectionalLight(0xffffff, 1.6);
  sun.position.set(2, 4, 3);
  scene.add(sun);
  const camera = new THREE.PerspectiveCamera(32, 1, 0.05, 50);
  const world = new THREE.Group(); // our data is z-up (x forward, y left); three.js is y-up
  world.rotation.x = -Math.PI / 2;
  scene.add(world);
  const ground = new THREE.Mesh(new THREE.CircleGeometry(0.8, 40), new THREE.MeshStandardMaterial({ color: 0xdedbd0 }));
  world.add(ground);

  let body = null;
  let clip = null;
  let loadedId = null;
  let startMs = 0;
  const audio = () => element.querySelector("audio.eb-avatar-audio");

  function part(from, to, radius, boneIndex, color, parts) {
    const a = new THREE.Vector3(...from), b = new THREE.Vector3(...to);
    const dir = b.clone().sub(a);
    const geom = new THREE.CapsuleGeometry(radius, Math.max(dir.length() - radius, 0.01), 4, 10);
    const turn = new THREE.Quaternion().setFromUnitVectors(new THREE.Vector3(0, 1, 0), dir.clone().normalize());
    geom.applyMatrix4(new THREE.Matrix4().compose(a.clone().add(b).multiplyScalar(0.5), turn, new THREE.Vector3(1, 1, 1)));
    parts.push({ geom, boneIndex, color });
  }

  function ball(at, radius, boneIndex, color, parts) {
    const geom = new THREE.SphereGeometry(radius, 16, 12);
    geom.translate(...at);
    parts.push({ geom, boneIndex, color });
  }

  function mergeParts(parts) {
    const pos = [], nrm = [], col = [], idx = [], skinIndex = [], skinWeight = [];
    for (const { geom, boneIndex, color } of parts) {
      const base = pos.length / 3;
      const c = new THREE.Color(color);
      const p = geom.attributes.position, n = geom.attributes.normal;
      for (let i = 0; i < p.count; i++) {
        pos.push(p.getX(i), p.getY(i), p.getZ(i));
        nrm.push(n.getX(i), n.getY(i), n.getZ(i));
        col.push(c.r, c.g, c.b);
        skinIndex.push(boneIndex, 0, 0, 0);
        skinWeight.push(1, 0, 0, 0);
      }
      for (const i of geom.index.array) idx.push(base + i);
    }
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute("position", new THREE.Float32BufferAttribute(pos, 3));
    geometry.setAttribute("normal", new THREE.Float32BufferAttribute(nrm, 3));
    geometry.setAttribute("color", new THREE.Float32BufferAttribute(col, 3));
    geometry.setAttribute("skinIndex", new THREE.Uint16BufferAttribute(skinIndex, 4));
    geometry.setAttribute("skinWeight", new THREE.Float32BufferAttribute(skinWeight, 4));
    geometry.setIndex(idx);
    return geometry;
  }

  function buildBody(skel) {
    const { names, parents, offsets } = skel;
    const bones = names.map((name, j) => {
      const bone = new THREE.Bone();
      bone.name = name;
      bone.position.set(...offsets[j]);
      return bone;
    });
    const rest = [];
    names.forEach((_, j) => {
      const p = parents[j];
      if (p >= 0) bones[p].add(bones[j]);
      rest[j] = p < 0 ? [0, 0, 0] : rest[p].map((v, k) => v + offsets[j][k]);
    });
    const at = (name) => names.indexOf(name);
    const side = (name) => (name.startsWith("left") ? 0x4a78e6 : name.startsWith("right") ? 0xe1604e : 0x6b6f7a);
    const parts = [];
    names.forEach((name, j) => {
      const p = parents[j];
      if (p < 0 || name === "head") return;
      const torso = name === "chest" || name === "neck";
      const limb = /knee|ankle|elbow|wrist/.test(name);
      const radius = torso ? 0.09 : limb ? 0.045 : 0.04;
      if (/hip$/.test(name)) return; // the pelvis capsule below joins the hips
      part(rest[p], rest[j], radius, p, torso ? 0x6b6f7a : side(name), parts);
    });
    part(rest[at("right_hip")], rest[at("left_hip")], 0.08, at("root"), 0x6b6f7a, parts);
    ball(rest[at("head")], 0.1, at("neck"), 0xf0c8a0, parts);
    ball(rest[at("left_wrist")], 0.04, at("left_elbow"), 0xf0c8a0, parts);
    ball(rest[at("right_wrist")], 0.04, at("right_elbow"), 0xf0c8a0, parts);
    const material = new THREE.MeshStandardMaterial({ vertexColors: true, roughness: 0.7 });
    const mesh = new THREE.SkinnedMesh(mergeParts(parts), material);
    mesh.add(bones[0]);
    mesh.bind(new THREE.Skeleton(bones));
    mesh.frustumCulled = false;
    world.add(mesh);
    return { mesh, bones };
  }

  function pose(frame) {
    const root = clip.root_pos[frame];
    const rots = clip.local_rot[frame];
    body.bones[0].position.set(root[0], root[1], root[2]);
    for (let j = 0; j < body.bones.length; j++) {
      const q = rots[j]; // (w, x, y, z)
      body.bones[j].quaternion.set(q[1], q[2], q[3], q[0]);
    }
    ground.position.set(root[0], root[1], 0.001);
    const target = new THREE.Vector3(root[0], 0.9, -root[1]); // the root, in three.js's y-up frame
    camera.position.set(target.x + 3.3, 1.3, target.z - 1.9);
    camera.lookAt(target);
  }

  function clockS() {
    const a = audio();
    if (a && !a.paused && a.currentTime > 0) return a.currentTime; // in step with the voice
    return (performance.now() - startMs) / 1000;
  }

  function load() {
    const meta = element.querySelector(".eb-avatar-meta");
    if (!meta || !meta.dataset.motion || meta.dataset.replyId === loadedId) return;
    loadedId = meta.dataset.replyId;
    clip = JSON.parse(meta.dataset.motion);
    if (!body) body = buildBody(clip.skeleton);
    stage.dataset.replyId = loadedId;
    stage.dataset.gesture = meta.dataset.gesture || "";
    startMs = performance.now();
    const a = audio();
    if (a) {
      a.currentTime = 0;
      const played = a.play();
      if (played) played.catch(() => { stage.dataset.audioBlocked = "1"; });
    }
  }

  function tick() {
    if (!document.body.contains(stage)) return; // the panel is gone
    if (clip) {
      const frames = clip.root_pos.length;
      const frame = Math.min(frames - 1, Math.max(0, Math.floor(clockS() * clip.fps)));
      pose(frame);
      stage.dataset.frame = String(frame);
    } else {
      camera.position.set(3.3, 1.3, -1.9);
      camera.lookAt(new THREE.Vector3(0, 0.95, 0));
    }
    renderer.render(scene, camera);
    requestAnimationFrame(tick);
  }

  watch("value", load);
  load();
  requestAnimationFrame(tick);
})();
