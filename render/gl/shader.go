//go:build cgo

package gl

import (
	"fmt"
	"strings"

	ogl "github.com/go-gl/gl/v3.3-core/gl"
)

// The vertex shader makes the quad of the visible rectangle from
// gl_VertexID (a 4-vertex triangle strip, no vertex buffer). Output
// coordinates run top-down in the framebuffer's rows: output row y is
// framebuffer row y, so that glReadPixels returns rows in output order.
const vertexShader = `#version 330 core
uniform ivec4 uRect; // visible rectangle: x, y, width, height (output pixels)
uniform vec2 uOut;   // output size
void main() {
	vec2 c = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
	vec2 p = vec2(uRect.xy) + c * vec2(uRect.zw);
	gl_Position = vec4(p / uOut * 2.0 - 1.0, 0.0, 1.0);
}
`

// The fragment shader samples exactly as render/soft does (render's
// filter.go), in integers. The samples come from a table (samples.go):
// for output column j of the item's visible rectangle uVis, texel (j, 0)
// of uLut is k<<8 | w, the first source column and the next one's weight
// in 128ths (render.LinearSample; render.Nearest with weight 0 on a
// nearest-neighbour axis), and texel (j, 1) is the same for output row j.
// The blend is the one render.LinearSample documents, in integers.
// texelFetch reads whole texels, so the only rounding is the blend's, the
// same as soft's.
const fragmentShader = `#version 330 core
uniform sampler2D uTex;
uniform isampler2D uLut; // samples: row 0 per output column, row 1 per output row
uniform ivec2 uVis;  // the item's visible rectangle's origin (the table's first entry)
uniform int uSwap;   // output columns walk source rows (90/270 degrees)
uniform ivec2 uSrc;  // source rectangle origin in the texture
uniform int uOpaque; // ignore alpha
out vec4 fragColor;
vec4 texel(int sx, int sy) {
	ivec2 b = uSwap != 0 ? ivec2(sy, sx) : ivec2(sx, sy);
	return round(texelFetch(uTex, uSrc + b, 0) * 255.0);
}
void main() {
	ivec2 o = ivec2(gl_FragCoord.xy) - uVis;
	int ex = texelFetch(uLut, ivec2(o.x, 0), 0).r, ey = texelFetch(uLut, ivec2(o.y, 1), 0).r;
	ivec2 x = ivec2(ex >> 8, ex & 255), y = ivec2(ey >> 8, ey & 255);
	vec4 c;
	if (x.y == 0 && y.y == 0) {
		ivec2 b = uSwap != 0 ? ivec2(y.x, x.x) : ivec2(x.x, y.x);
		c = texelFetch(uTex, uSrc + b, 0);
	} else {
		int x1 = x.x + min(x.y, 1), y1 = y.x + min(y.y, 1);
		float wx = float(x.y), wy = float(y.y);
		vec4 t = texel(x.x, y.x) * (128.0 - wx) + texel(x1, y.x) * wx;
		vec4 u = texel(x.x, y1) * (128.0 - wx) + texel(x1, y1) * wx;
		c = floor((t * (128.0 - wy) + u * wy + 8192.0) * (1.0 / 16384.0)) / 255.0;
	}
	if (uOpaque != 0) c.a = 1.0;
	fragColor = c;
}
`

// The fast program covers the common cases: 1:1, integer buffer scales
// down and integer zooms up, with any transform. There soft's sample lands
// on a texel centre for every output pixel (see fastAxis), so a
// normalized, interpolated coordinate with GL_NEAREST picks the same texel
// with half a texel of margin, and llvmpipe runs it far faster than the
// integer path (about 10x at 1080p).
const fastVertexShader = `#version 330 core
uniform ivec4 uRect; // visible rectangle: x, y, width, height (output pixels)
uniform vec2 uOut;   // output size
uniform vec4 uAx;    // source position at the rectangle's edges: x0, x1, y0, y1
uniform int uSwap;   // output columns walk source rows (90/270 degrees)
uniform ivec2 uSrc;  // source rectangle origin in the texture
uniform sampler2D uTex;
out vec2 vUV;
void main() {
	vec2 c = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
	vec2 p = vec2(uRect.xy) + c * vec2(uRect.zw);
	gl_Position = vec4(p / uOut * 2.0 - 1.0, 0.0, 1.0);
	float ux = mix(uAx.x, uAx.y, c.x);
	float uy = mix(uAx.z, uAx.w, c.y);
	vec2 b = uSwap != 0 ? vec2(uy, ux) : vec2(ux, uy);
	vUV = (vec2(uSrc) + b) / vec2(textureSize(uTex, 0));
}
`

const fastFragmentShader = `#version 330 core
uniform sampler2D uTex;
in vec2 vUV;
out vec4 fragColor;
void main() { fragColor = texture(uTex, vUV); }
`

func compile(kind uint32, src string) (uint32, error) {
	s := ogl.CreateShader(kind)
	csrc, free := ogl.Strs(src + "\x00")
	ogl.ShaderSource(s, 1, csrc, nil)
	free()
	ogl.CompileShader(s)
	var ok int32
	ogl.GetShaderiv(s, ogl.COMPILE_STATUS, &ok)
	if ok == ogl.FALSE {
		var n int32
		ogl.GetShaderiv(s, ogl.INFO_LOG_LENGTH, &n)
		log := strings.Repeat("\x00", int(n)+1)
		ogl.GetShaderInfoLog(s, n, nil, ogl.Str(log))
		ogl.DeleteShader(s)
		return 0, fmt.Errorf("gl: compile shader: %s", strings.TrimRight(log, "\x00"))
	}
	return s, nil
}

func link(vs, fs string) (uint32, error) {
	v, err := compile(ogl.VERTEX_SHADER, vs)
	if err != nil {
		return 0, err
	}
	defer ogl.DeleteShader(v)
	f, err := compile(ogl.FRAGMENT_SHADER, fs)
	if err != nil {
		return 0, err
	}
	defer ogl.DeleteShader(f)
	p := ogl.CreateProgram()
	ogl.AttachShader(p, v)
	ogl.AttachShader(p, f)
	ogl.LinkProgram(p)
	var ok int32
	ogl.GetProgramiv(p, ogl.LINK_STATUS, &ok)
	if ok == ogl.FALSE {
		var n int32
		ogl.GetProgramiv(p, ogl.INFO_LOG_LENGTH, &n)
		log := strings.Repeat("\x00", int(n)+1)
		ogl.GetProgramInfoLog(p, n, nil, ogl.Str(log))
		ogl.DeleteProgram(p)
		return 0, fmt.Errorf("gl: link program: %s", strings.TrimRight(log, "\x00"))
	}
	return p, nil
}
